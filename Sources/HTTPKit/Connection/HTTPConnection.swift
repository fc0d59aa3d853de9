/// One client connection's HTTP logic, without I/O: bytes in, response bytes out.
///
/// The owning loop reads into `receive`, sends `pendingOutput` and reports `didSend`,
/// delivers messages from worker threads with `handle`, and closes the socket when
/// `shouldClose`. Requests are answered strictly in order (pipelining, RFC 9112 §9.3.2):
/// while one is handled off the loop, later ones wait in the kernel buffer.
final class HTTPConnection {
    /// The exchange in progress.
    enum Exchange {
        /// No request, or only part of a head.
        case none
        /// Reading the body of a request whose handler runs once it is complete.
        case collecting
        /// The handler runs off the loop; `stream` is its body while it is still arriving.
        case running(stream: RequestBodyStream?, bodyDone: Bool)
        /// A streaming response is being written.
        case streamingResponse(ResponseStreamWriter, stream: RequestBodyStream?, bodyDone: Bool, chunked: Bool)
    }

    let id: ConnectionID
    let remoteAddress: SocketAddress?
    unowned let environment: any ConnectionEnvironment
    /// Copied from the environment once: read on every request, no unowned-reference traffic.
    let responder: any HTTPResponder
    let maxPendingOutput: Int
    // The state below is touched only by the owning loop's thread, one call at a time, and
    // never lent out while a closure mutates it: the runtime's exclusivity bookkeeping
    // (a begin/end call on every mutation of a class property) is skipped for these hot fields.
    @exclusivity(unchecked) var parser: HTTPRequestParser
    @exclusivity(unchecked) var machine: HTTPConnectionStateMachine

    /// Received bytes not consumed yet.
    @exclusivity(unchecked) var input: [UInt8] = []
    /// Response bytes not sent yet start at `outputSent`.
    @exclusivity(unchecked) var output: [UInt8] = []
    var outputSent = 0

    @exclusivity(unchecked) var exchange: Exchange = .none
    @exclusivity(unchecked) var head: RequestHead?
    @exclusivity(unchecked) var context: RequestContext?
    var options = RouteOptions.inline
    @exclusivity(unchecked) var body: [UInt8] = []
    var closeAfterExchange = false
    var continuePending = false
    var streamBytesToAcknowledge = 0

    /// Close once the output is flushed.
    var closeWhenFlushed = false
    /// Waiting in the loop's flush queue for the end of the epoll batch.
    var flushQueued = false
    /// Close now, dropping unsent output.
    var closeNow = false
    /// The peer closed its sending side.
    var peerEOF = false
    /// Set by the loop: the socket may have unread bytes (edge-triggered epoll).
    var socketReadable = true
    /// Set by the loop: epoll reported the peer's FIN or a reset.
    var peerHangupSeen = false

    init(id: ConnectionID, remoteAddress: SocketAddress?, environment: any ConnectionEnvironment, timeouts: HTTPConnectionStateMachine.Timeouts, now: UInt64) {
        self.id = id
        self.remoteAddress = remoteAddress
        self.environment = environment
        self.responder = environment.responder
        self.maxPendingOutput = environment.maxPendingOutput
        self.parser = HTTPRequestParser(limits: environment.limits)
        self.machine = HTTPConnectionStateMachine(timeouts: timeouts, now: now)
    }

    // MARK: - What the loop asks

    var hasPendingOutput: Bool { outputSent < output.count }
    var pendingOutputCount: Int { output.count - outputSent }

    /// The loop closes the socket when this is true.
    var shouldClose: Bool { closeNow || (closeWhenFlushed && !hasPendingOutput) }

    /// Whether the loop should read from the socket now.
    var wantsRead: Bool { !peerEOF && !closeNow && !closeWhenFlushed && canConsumeInput }

    /// Whether parsing may continue: not while output is backed up (back-pressure), an
    /// earlier request is still being answered, or a streaming reader is full.
    var canConsumeInput: Bool {
        guard !closeNow, !closeWhenFlushed, pendingOutputCount <= maxPendingOutput else { return false }
        switch exchange {
        case .none, .collecting: return true
        case .running(let stream, let bodyDone):
            guard !bodyDone, let stream else { return false }
            return stream.wantsData
        case .streamingResponse: return false
        }
    }

    /// Whether a request is being handled (for draining).
    var isBusy: Bool {
        if case .none = exchange { return !parser.isIdle || hasPendingOutput }
        return true
    }

    // MARK: - Input

    /// Feeds bytes read from the socket.
    func receive(_ bytes: UnsafeRawBufferPointer, now: UInt64) {
        guard !closeNow, !bytes.isEmpty else { return }
        if input.isEmpty {
            let consumed = consume(bytes, now: now)
            if consumed < bytes.count && !closeNow && !closeWhenFlushed {
                input.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[consumed...]))
            }
        } else {
            input.append(contentsOf: bytes)
            processInput(now: now)
        }
    }

    /// Parses buffered input as far as the exchange allows.
    func processInput(now: UInt64) {
        guard !input.isEmpty, canConsumeInput else { return }
        var buffer = input
        input = []
        let consumed = buffer.withUnsafeBytes { consume($0, now: now) }
        if closeNow || closeWhenFlushed {
            return
        }
        if consumed == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 64 * 1024)
        } else if consumed > 0 {
            buffer.removeFirst(consumed)
        }
        input = buffer
    }

    /// Runs the parser over `p` and acts on its events; returns the bytes consumed.
    private func consume(_ p: UnsafeRawBufferPointer, now: UInt64) -> Int {
        var offset = 0
        while offset < p.count || parserHasPendingEvent {
            guard canConsumeInput else { break }
            if case .none = exchange, offset < p.count { machine.requestBytesReceived(now: now) }
            let slice = UnsafeRawBufferPointer(rebasing: p[offset...])
            do {
                let (event, consumed) = try parser.parse(slice)
                offset += consumed
                switch event {
                case .needMoreData:
                    return offset
                case .head(let head):
                    onHead(head, now: now)
                case .body(let range):
                    onBody(UnsafeRawBufferPointer(rebasing: slice[range]), now: now)
                case .end(let trailers):
                    onEnd(trailers: trailers, now: now)
                }
            } catch {
                onParseError(error, now: now)
                return p.count
            }
        }
        return offset
    }

    /// True after a head without body or a body's last byte: `.end` comes without input.
    private var parserHasPendingEvent: Bool {
        switch parser.state {
        case .bodyStart, .end: true
        default: false
        }
    }

    private func onHead(_ head: RequestHead, now: UInt64) {
        let requestID = Self.requestID(from: head.headers) ?? environment.makeRequestID()
        var context = RequestContext(logger: environment.baseLogger, requestID: requestID)
        context.receivedAt = now
        options = responder.prepare(head, context: &context)
        parser.bodyLimit = options.maxBodySize ?? parser.limits.maxBodySize
        machine.headReceived(now: now, expectsBody: head.hasBody)
        closeAfterExchange = !head.keepAlive
        self.head = head
        continuePending = false

        if options.streamingBody {
            let id = self.id
            let messenger = environment.messenger
            let stream = RequestBodyStream(highWater: environment.streamingBodyHighWater) {
                messenger.post(.bodyDemand(id))
            }
            if !head.hasBody {
                stream.finish()
            } else {
                continuePending = head.expectsContinue
            }
            let request = Request(head: head, body: .stream(stream), remoteAddress: remoteAddress)
            exchange = .running(stream: stream, bodyDone: !head.hasBody)
            startOffloaded(request, context: context)
            return
        }
        self.context = context
        exchange = .collecting
        body = []
        if case .length(let n) = head.framing {
            guard n <= parser.bodyLimit else { return }  // the parser answers 413 next
            body.reserveCapacity(min(n, 64 * 1024))
        }
        // RFC 9110 §10.1.1: tell the client to send the body it is holding back.
        if head.expectsContinue && head.hasBody {
            output.append(contentsOf: ResponseSerializer.continueResponse)
        }
    }

    private func onBody(_ bytes: UnsafeRawBufferPointer, now: UInt64) {
        machine.bodyProgress(now: now)
        switch exchange {
        case .collecting:
            body.append(contentsOf: bytes)
        case .running(let stream?, bodyDone: false):
            // Pieces of at most one socket read, however much input waited while paused.
            var start = 0
            while start < bytes.count {
                let end = min(start + EventLoop.readBufferSize, bytes.count)
                _ = stream.append(Array(UnsafeRawBufferPointer(rebasing: bytes[start..<end])))
                start = end
            }
        default:
            break
        }
    }

    private func onEnd(trailers: HTTPHeaders, now: UInt64) {
        switch exchange {
        case .collecting:
            machine.requestComplete()
            guard let head, var context else { return }
            let request = Request(head: head, body: .bytes(body), trailers: trailers, remoteAddress: remoteAddress)
            body = []
            self.context = nil
            if options.offload {
                exchange = .running(stream: nil, bodyDone: true)
                startOffloaded(request, context: context)
            } else {
                let response = responder.respond(to: request, context: &context)
                send(response, now: now)
            }
        case .running(let stream, bodyDone: false):
            stream?.finish()
            machine.requestComplete()
            exchange = .running(stream: stream, bodyDone: true)
        case .streamingResponse(let writer, let stream, bodyDone: false, let chunked):
            stream?.finish()
            exchange = .streamingResponse(writer, stream: stream, bodyDone: true, chunked: chunked)
        default:
            break
        }
    }

    private func onParseError(_ error: HTTPParserError, now: UInt64) {
        closeAfterExchange = true
        switch exchange {
        case .running(let stream?, bodyDone: false):
            // The handler is reading the body: it sees the error and answers.
            stream.fail(error)
            exchange = .running(stream: stream, bodyDone: true)
            machine.requestComplete()
        case .streamingResponse(let writer, let stream?, bodyDone: false, let chunked):
            stream.fail(error)
            exchange = .streamingResponse(writer, stream: stream, bodyDone: true, chunked: chunked)
        case .none, .collecting:
            let context = self.context ?? RequestContext(logger: environment.baseLogger, requestID: environment.makeRequestID())
            context.logger.debug("request rejected", metadata: [
                "http.status": .int(error.status.code), "error": .string(error.message),
            ])
            machine.requestComplete()
            send(responder.renderError(error, head: head, context: context), now: now)
        default:
            closeNow = true
        }
    }

    private func startOffloaded(_ request: Request, context: RequestContext) {
        let responder = self.responder
        let messenger = environment.messenger
        let id = self.id
        environment.offload {
            var context = context
            let response = responder.respond(to: request, context: &context)
            messenger.post(.response(id, response))
        }
    }

    /// `X-Request-ID` when it is 1–128 characters of `A-Z a-z 0-9 . _ -`, else nil (a new
    /// id is generated). The id is echoed in responses and written into logs, so anything
    /// that could forge a log field, split a header or smuggle markup is refused.
    static func requestID(from headers: HTTPHeaders) -> String? {
        guard let i = headers.firstIndex(lowercased: "x-request-id") else { return nil }
        let f = headers.fields[i]
        guard f.valueLength > 0, f.valueLength <= 128 else { return nil }
        let range = Int(f.valueStart)..<Int(f.valueStart + f.valueLength)
        guard headers.bytes[range].allSatisfy(isRequestIDByte) else { return nil }
        return String(decoding: headers.bytes[range], as: UTF8.self)
    }

    @inline(__always)
    static func isRequestIDByte(_ b: UInt8) -> Bool {
        switch b {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2E, 0x5F, 0x2D: true
        default: false
        }
    }
}
