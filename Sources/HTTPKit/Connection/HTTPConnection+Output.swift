extension HTTPConnection {
    // MARK: - Responses

    /// Serializes `response` for the current request and finishes the exchange (or starts
    /// a streaming body).
    func send(_ response: Response, now: UInt64) {
        let method = head?.method ?? .get
        let version = head?.version ?? .http1_1
        var bodyDone = true
        var stream: RequestBodyStream?
        if case .running(let s, let done) = exchange {
            stream = s
            bodyDone = done
        }
        if !bodyDone {
            // Answered before the body was read: the rest of it cannot be told apart from
            // a next request without reading it, so the connection closes after this response.
            stream?.abandon()
            closeAfterExchange = true
        }
        let close = closeAfterExchange || machine.draining || peerEOF
            || response.headers.containsToken("close", inField: "connection")
        let suppressBody = method == .head || response.status.forbidsContent
        let date = environment.dateLine

        switch response.body {
        case .empty, .bytes:
            let bytes: [UInt8]
            if case .bytes(let b) = response.body { bytes = b } else { bytes = [] }
            // RFC 9110 §8.6: no Content-Length in 1xx/204; a HEAD answer carries GET's length.
            let length: Int? = response.status.forbidsContent ? nil : bytes.count
            ResponseSerializer.writeHead(response, contentLength: length, chunked: false, close: close,
                                         http10KeepAlive: version == .http1_0 && !close, date: date, into: &output)
            if !suppressBody { output.append(contentsOf: bytes) }
            finishExchange(close: close, now: now)
        case .stream(let producer):
            let chunked = version == .http1_1
            // An HTTP/1.0 client learns where the body ends only from the close (RFC 9112 §6.3 (8)).
            let closeAfter = close || !chunked
            ResponseSerializer.writeHead(response, contentLength: nil, chunked: chunked && !response.status.forbidsContent,
                                         close: closeAfter, http10KeepAlive: false, date: date, into: &output)
            if suppressBody {
                finishExchange(close: closeAfter, now: now)
                return
            }
            closeAfterExchange = closeAfter
            let writer = ResponseStreamWriter(id: id, messenger: environment.messenger, highWater: environment.maxPendingOutput)
            exchange = .streamingResponse(writer, stream: stream, bodyDone: bodyDone, chunked: chunked)
            let messenger = environment.messenger
            let id = self.id
            environment.offload {
                do {
                    try producer(writer)
                    messenger.post(.responseEnd(id, failed: false))
                } catch {
                    messenger.post(.responseEnd(id, failed: true))
                }
            }
        }
    }

    func finishExchange(close: Bool, now: UInt64) {
        exchange = .none
        head = nil
        context = nil
        if machine.responseComplete(now: now, keepAlive: !close) == .close || close {
            closeWhenFlushed = true
            return
        }
        if !input.isEmpty { machine.requestBytesReceived(now: now) }
    }

    // MARK: - Messages from worker threads

    /// Handles a message addressed to this connection.
    func handle(_ message: LoopMessage, now: UInt64) {
        switch message {
        case .response(_, let response):
            guard case .running = exchange else { return }
            send(response, now: now)
            processInput(now: now)
        case .bodyDemand:
            // The pause was the reader's, not the client's: restart the stall clock.
            machine.bodyProgress(now: now)
            if continuePending {
                continuePending = false
                output.append(contentsOf: ResponseSerializer.continueResponse)
            }
            processInput(now: now)
        case .responseChunk(_, let bytes):
            guard case .streamingResponse(_, _, _, let chunked) = exchange else { return }
            if chunked {
                ResponseSerializer.writeChunk(bytes, into: &output)
            } else {
                output.append(contentsOf: bytes)
            }
            streamBytesToAcknowledge += bytes.count
        case .responseEnd(_, let failed):
            guard case .streamingResponse(let writer, let stream, let bodyDone, let chunked) = exchange else { return }
            writer.cancel()
            if !bodyDone { stream?.abandon() }
            if failed {
                // RFC 9112 §7.1: without the last chunk the client sees an incomplete message.
                closeWhenFlushed = true
                exchange = .none
                return
            }
            if chunked { ResponseSerializer.writeLastChunk(into: &output) }
            finishExchange(close: closeAfterExchange || !bodyDone, now: now)
            processInput(now: now)
        case .shutdown:
            break
        }
    }

    // MARK: - Socket events

    /// `count` bytes of the pending output were sent.
    func didSend(_ count: Int, now: UInt64) {
        outputSent += count
        if outputSent >= output.count {
            output.removeAll(keepingCapacity: output.capacity <= 64 * 1024)
            outputSent = 0
            machine.outputDrained()
        } else {
            machine.outputPending(now: now, progressed: count > 0)
        }
        acknowledgeStreamBytes()
    }

    /// The socket would block with output still pending.
    func sendBlocked(now: UInt64) {
        machine.outputPending(now: now, progressed: false)
    }

    private func acknowledgeStreamBytes() {
        guard streamBytesToAcknowledge > 0, pendingOutputCount <= maxPendingOutput / 2,
              case .streamingResponse(let writer, _, _, _) = exchange else { return }
        writer.acknowledge(streamBytesToAcknowledge)
        streamBytesToAcknowledge = 0
    }

    /// The peer closed its side (read returned 0).
    func peerClosed(now: UInt64) {
        peerEOF = true
        switch exchange {
        case .none:
            if machine.peerClosed() == .close || parser.isIdle { closeWhenFlushed = true }
        case .collecting:
            closeNow = true
        case .running(let stream, let bodyDone):
            if !bodyDone {
                stream?.fail(ConnectionClosedError())
            }
            closeAfterExchange = true
        case .streamingResponse:
            closeAfterExchange = true
        }
    }

    /// Checks timeouts.
    func tick(now: UInt64) {
        switch machine.tick(now: now) {
        case .none:
            return
        case .close:
            closeNow = true
        case .timeoutAndClose:
            switch exchange {
            case .none, .collecting:
                closeAfterExchange = true
                let context = self.context ?? RequestContext(logger: environment.baseLogger, requestID: environment.makeRequestID())
                send(responder.renderError(HTTPError(.requestTimeout, message: "request timeout"), head: head, context: context), now: now)
                closeWhenFlushed = true
            default:
                closeNow = true
            }
        }
    }

    /// Shutdown began: idle connections close, busy ones close after their response.
    func beginShutdown() {
        if !isBusy {
            _ = machine.shutdown()
            closeWhenFlushed = true
        } else if machine.shutdown() == .close {
            closeWhenFlushed = true
        }
    }

    /// The socket is closed: release anything waiting on this connection.
    func closed() {
        switch exchange {
        case .running(let stream, _):
            stream?.fail(ConnectionClosedError())
        case .streamingResponse(let writer, let stream, _, _):
            writer.cancel()
            stream?.fail(ConnectionClosedError())
        default:
            break
        }
        exchange = .none
        closeNow = true
    }
}
