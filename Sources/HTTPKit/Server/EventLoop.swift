import CLinux
import Glibc

/// One thread's epoll loop: its own SO_REUSEPORT listener, edge-triggered non-blocking
/// sockets, one read until a short read or EAGAIN, one send per batch of answers.
///
/// Everything here runs on the loop's thread except `inbox.post`, which other threads
/// use to hand back responses and stream pieces.
final class EventLoop: ConnectionEnvironment, @unchecked Sendable {
    static let listenerTag: UInt64 = .max - 1
    static let wakeTag: UInt64 = .max
    static let maxEvents: Int32 = 256
    static let readBufferSize = 64 * 1024
    static let lingerTime: UInt64 = 2_000_000_000
    static let lingerMaxBytes = 256 * 1024

    let responder: any HTTPResponder
    let limits: HTTPLimits
    let maxPendingOutput: Int
    let streamingBodyHighWater: Int
    let baseLogger: Logger
    let timeouts: HTTPConnectionStateMachine.Timeouts
    let maxConnections: Int
    let inbox: LoopInbox
    var messenger: any LoopMessenger { inbox }
    let pool: WorkerPool
    let counter: ConnectionCounter

    private let epfd: Int32
    private var listenFD: Int32
    private var dateCache = DateCache()
    var dateLine: [UInt8] { dateCache.line }
    private var connections: [HTTPConnection?] = []
    private var lingering: [Int32: (deadline: UInt64, discarded: Int)] = [:]
    private var liveCount = 0
    private var generation: UInt32 = 0
    private var idState: UInt64
    private var draining = false
    private var drainDeadline: UInt64 = 0
    private var nextSweep: UInt64 = 0
    private let sweepInterval: UInt64
    private var acceptPausedUntil: UInt64?
    private let events: UnsafeMutableRawPointer
    /// Connections whose answers wait for the end of the current epoll batch.
    private var flushQueue: [HTTPConnection] = []
    /// The previous batch's queue, kept for its capacity (the two swap each batch).
    private var flushing: [HTTPConnection] = []
    private var inBatch = false
    /// Sends a batch's answers in one system call where io_uring is available.
    private var sendRing: SendRing?
    private let useSendRing: Bool
    /// The connections in the send ring's current batch, in the ring's order.
    private var ringMembers: [HTTPConnection] = []
    private let readBuffer: UnsafeMutableRawBufferPointer

    init(listenFD: Int32, configuration: ServerConfiguration, responder: any HTTPResponder, logger: Logger,
         pool: WorkerPool, counter: ConnectionCounter) throws(ServerError) {
        let epfd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epfd >= 0 else { throw ServerError("epoll_create1", errno: errno) }
        let wakeFD = clinux_eventfd()
        guard wakeFD >= 0 else {
            let e = errno
            Glibc.close(epfd)
            throw ServerError("eventfd", errno: e)
        }
        self.epfd = epfd
        self.listenFD = listenFD
        self.inbox = LoopInbox(wakeFD: wakeFD)
        self.responder = responder
        self.limits = configuration.limits
        self.maxPendingOutput = configuration.maxPendingOutput
        self.streamingBodyHighWater = configuration.streamingBodyHighWater
        self.baseLogger = logger
        self.timeouts = configuration.timeouts
        self.maxConnections = configuration.maxConnections
        self.pool = pool
        self.counter = counter
        self.useSendRing = configuration.batchedSends
        var seed = SystemRandomNumberGenerator()
        self.idState = seed.next()
        let shortest = min(timeouts.idle, timeouts.headerRead, timeouts.bodyStall, timeouts.writeStall)
        self.sweepInterval = max(5_000_000, min(1_000_000_000, shortest / 4))
        self.events = .allocate(byteCount: Int(Self.maxEvents) * Int(clinux_epoll_event_size()), alignment: 8)
        self.readBuffer = .allocate(byteCount: Self.readBufferSize, alignment: 16)
        _ = clinux_epoll_ctl(epfd, EPOLL_CTL_ADD, wakeFD, CLINUX_EPOLLIN, Self.wakeTag)
        _ = clinux_epoll_ctl(epfd, EPOLL_CTL_ADD, listenFD, CLINUX_EPOLLIN, Self.listenerTag)
    }

    deinit {
        events.deallocate()
        readBuffer.deallocate()
        Glibc.close(epfd)
        Glibc.close(inbox.wakeFD)
    }

    // MARK: - ConnectionEnvironment

    func makeRequestID() -> String {
        // SplitMix64 over a random seed: unique per loop, no syscall per request.
        idState &+= 0x9E37_79B9_7F4A_7C15
        var z = idState
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        // 15 hex digits (60 bits): short enough to be a small String, so no allocation.
        let hex: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 15) { buffer in
            for i in 0..<15 {
                buffer[i] = hex.utf8Start[Int((z >> UInt64(56 - 4 * i)) & 0xF)]
            }
            return 15
        }
    }

    func offload(_ job: @escaping @Sendable () -> Void) {
        pool.submit(job)
    }

    // MARK: - Loop

    /// Runs until shutdown completes.
    func run() {
        // Created here, on the loop's thread: the ring accepts submissions from one thread only.
        if useSendRing { sendRing = SendRing(entries: Int(Self.maxEvents)) }
        dateCache.refresh()
        var now0 = MonotonicClock.now()
        nextSweep = now0 &+ sweepInterval
        while true {
            var timeout = nextSweep > now0 ? Int32(min(1000, (nextSweep - now0 + 999_999) / 1_000_000)) : 0
            if draining { timeout = min(timeout, 50) }
            let n = clinux_epoll_wait(epfd, events, Self.maxEvents, timeout)
            let now = MonotonicClock.now()
            now0 = now
            dateCache.refresh()
            if n < 0 && errno != EINTR {
                baseLogger.critical("epoll_wait failed", metadata: ["errno": .int(Int(errno))])
                break
            }
            inBatch = true
            for i in 0..<max(0, n) {
                let data = clinux_epoll_event_data(events, Int32(i))
                let flags = clinux_epoll_event_flags(events, Int32(i))
                if data == Self.listenerTag {
                    acceptConnections(now: now)
                } else if data == Self.wakeTag {
                    inbox.clearWake()
                    for message in inbox.drain() { handle(message, now: now) }
                } else {
                    socketEvent(fd: Int32(truncatingIfNeeded: data), flags: flags, now: now)
                }
            }
            inBatch = false
            flushBatch(now: now)
            if now >= nextSweep {
                sweep(now: now)
                nextSweep = now &+ sweepInterval
            }
            if draining && (liveCount == 0 || now >= drainDeadline) { break }
        }
        closeAll()
    }

    private func handle(_ message: LoopMessage, now: UInt64) {
        let id: ConnectionID
        switch message {
        case .shutdown(let deadline):
            beginDrain(deadline: deadline)
            return
        case .response(let i, _), .bodyDemand(let i), .responseChunk(let i, _), .responseEnd(let i, _):
            id = i
        }
        guard let connection = connection(for: id) else { return }
        connection.handle(message, now: now)
        service(connection, now: now)
    }

    /// Whether `c` still owns its descriptor's slot (not closed during this batch).
    private func isRegistered(_ c: HTTPConnection) -> Bool {
        Int(c.id.fd) < connections.count && connections[Int(c.id.fd)] === c
    }

    private func connection(for id: ConnectionID) -> HTTPConnection? {
        guard id.fd >= 0, Int(id.fd) < connections.count, let c = connections[Int(id.fd)], c.id == id else { return nil }
        return c
    }

    private func socketEvent(fd: Int32, flags: UInt32, now: UInt64) {
        // Checked only while some connection lingers: no hashing on the hot path.
        if !lingering.isEmpty && lingering[fd] != nil {
            lingerRead(fd: fd, now: now)
            return
        }
        guard Int(fd) < connections.count, let connection = connections[Int(fd)] else { return }
        if flags & (CLINUX_EPOLLIN | CLINUX_EPOLLRDHUP | CLINUX_EPOLLHUP | CLINUX_EPOLLERR) != 0 {
            connection.socketReadable = true
        }
        if flags & (CLINUX_EPOLLRDHUP | CLINUX_EPOLLHUP | CLINUX_EPOLLERR) != 0 {
            // The FIN or RST came with this edge: no later edge will report it, so the
            // short-read shortcut must not stop reading before the 0 or the error.
            connection.peerHangupSeen = true
        }
        service(connection, now: now)
    }

    /// Sends the answers held back during the batch, then lets each connection go on.
    private func flushBatch(now: UInt64) {
        guard !flushQueue.isEmpty else { return }
        swap(&flushQueue, &flushing)
        if flushing.count > 1, let ring = sendRing, ring.isUsable { sendTogether(ring, now: now) }
        for c in flushing {
            c.flushQueued = false
            guard isRegistered(c) else { continue }
            service(c, now: now)
        }
        flushing.removeAll(keepingCapacity: true)
    }

    /// Sends the queued connections' pending output through the ring, as many per system call
    /// as it takes; whatever does not fit or does not go out is left to `service`.
    private func sendTogether(_ ring: SendRing, now: UInt64) {
        for c in flushing {
            guard c.hasPendingOutput, !c.closeNow, isRegistered(c) else { continue }
            var added = addToRing(ring, c)
            if !added {
                submitRing(ring, now: now)
                added = addToRing(ring, c)
            }
            if added { ringMembers.append(c) }
        }
        submitRing(ring, now: now)
    }

    private func addToRing(_ ring: SendRing, _ c: HTTPConnection) -> Bool {
        let sent = c.outputSent
        return c.output.withUnsafeBytes { p in
            ring.add(fd: c.id.fd, bytes: UnsafeRawBufferPointer(rebasing: p[sent...]))
        }
    }

    private func submitRing(_ ring: SendRing, now: UInt64) {
        guard ring.count > 0 else { return }
        ring.submit()
        for (i, c) in ringMembers.enumerated() {
            let n = ring.result(i)
            if n > 0 {
                c.didSend(Int(n), now: now)
                // Output drained: parsing held back by back-pressure may resume.
                if !c.hasPendingOutput { c.processInput(now: now) }
            } else if n == -EAGAIN || n == -EWOULDBLOCK {
                c.sendBlocked(now: now)
            } else if n != -EINTR {
                c.closeNow = true
            }
        }
        ring.reset()
        ringMembers.removeAll(keepingCapacity: true)
    }

    /// Reads, processes and writes until the connection cannot progress. Within an epoll
    /// batch, answers are sent once the batch is read: a client waiting on several
    /// connections then wakes once for many answers instead of once per answer.
    func service(_ c: HTTPConnection, now: UInt64) {
        let fd = c.id.fd
        while !c.shouldClose {
            if c.socketReadable && c.wantsRead {
                readAvailable(c, fd: fd, now: now)
                if c.closeNow { break }
            }
            guard c.hasPendingOutput else { break }
            if inBatch {
                if !c.flushQueued {
                    c.flushQueued = true
                    flushQueue.append(c)
                }
                return
            }
            guard flush(c, fd: fd, now: now) else { break }
            // Output drained: parsing held back by back-pressure may resume.
            c.processInput(now: now)
            if !c.hasPendingOutput && !(c.socketReadable && c.wantsRead) { break }
        }
        if c.shouldClose { close(c, now: now) }
    }

    private func readAvailable(_ c: HTTPConnection, fd: Int32, now: UInt64) {
        while c.wantsRead {
            let n = Glibc.read(fd, readBuffer.baseAddress, readBuffer.count)
            if n > 0 {
                c.receive(UnsafeRawBufferPointer(rebasing: readBuffer[0..<n]), now: now)
                // Edge-triggered: a short read means the socket buffer is empty (unless a
                // hang-up was signalled, which only the next read reports).
                if n < readBuffer.count && !c.peerHangupSeen {
                    c.socketReadable = false
                    return
                }
            } else if n == 0 {
                c.socketReadable = false
                c.peerClosed(now: now)
                return
            } else {
                switch errno {
                case EINTR: continue
                case EAGAIN, EWOULDBLOCK: c.socketReadable = false
                default: c.closeNow = true
                }
                return
            }
        }
    }

    /// Sends pending output; true when all of it went out.
    private func flush(_ c: HTTPConnection, fd: Int32, now: UInt64) -> Bool {
        while c.hasPendingOutput {
            let sent = c.outputSent
            let n = c.output.withUnsafeBytes { p -> Int in
                guard let base = p.baseAddress else { return 0 }
                return Glibc.send(fd, base + sent, p.count - sent, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                c.didSend(n, now: now)
            } else if n < 0 && errno == EINTR {
                continue
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                c.sendBlocked(now: now)
                return false
            } else {
                c.closeNow = true
                return false
            }
        }
        return true
    }

    // MARK: - Accept and close

    private func acceptConnections(now: UInt64) {
        guard !draining, acceptPausedUntil == nil else { return }
        var family: Int32 = 0
        var port: Int32 = 0
        var address = (UInt64(0), UInt64(0))
        for _ in 0..<64 {
            let fd = withUnsafeMutableBytes(of: &address) { a -> Int32 in
                guard let base = a.baseAddress else { return -EINVAL }
                return clinux_accept(listenFD, &family, base.assumingMemoryBound(to: UInt8.self), &port)
            }
            if fd < 0 {
                let e = -fd
                if e == EINTR || e == ECONNABORTED { continue }
                if e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM {
                    // Out of descriptors: stop accepting briefly instead of spinning.
                    baseLogger.warning("accept failed, pausing", metadata: ["errno": .int(Int(e))])
                    _ = clinux_epoll_ctl(epfd, EPOLL_CTL_DEL, listenFD, 0, 0)
                    acceptPausedUntil = now &+ 100_000_000
                }
                return
            }
            guard counter.tryIncrement(limit: maxConnections) else {
                rejectOverCapacity(fd)
                continue
            }
            let remote: SocketAddress?
            switch family {
            case 4:
                let a = UInt32(bigEndian: UInt32(truncatingIfNeeded: address.0))
                remote = SocketAddress(storage: .v4(a), port: Int(port))
            case 6:
                remote = SocketAddress(storage: .v6(UInt64(bigEndian: address.0), UInt64(bigEndian: address.1)), port: Int(port))
            default:
                remote = nil
            }
            generation &+= 1
            let c = HTTPConnection(id: ConnectionID(fd: fd, generation: generation), remoteAddress: remote,
                                   environment: self, timeouts: timeouts, now: now)
            if Int(fd) >= connections.count {
                connections.append(contentsOf: repeatElement(nil, count: Int(fd) + 1 - connections.count))
            }
            connections[Int(fd)] = c
            liveCount += 1
            let flags = CLINUX_EPOLLIN | CLINUX_EPOLLOUT | CLINUX_EPOLLRDHUP | CLINUX_EPOLLET
            if clinux_epoll_ctl(epfd, EPOLL_CTL_ADD, fd, flags, UInt64(fd)) < 0 {
                close(c, now: now)
            }
        }
    }

    /// Answers 503 to a connection over `maxConnections` and closes it.
    private func rejectOverCapacity(_ fd: Int32) {
        let body = #"{"error":"too many connections"}"#
        let text = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        Glibc.close(fd)
    }

    private func close(_ c: HTTPConnection, now: UInt64) {
        guard isRegistered(c) else { return }
        let fd = c.id.fd
        connections[Int(fd)] = nil
        let graceful = !c.closeNow && !c.peerEOF
        c.closed()
        if graceful {
            // RFC 9112 §9.6: close the sending side first and drain what the client still
            // sends, so a reset does not destroy the response in its receive buffer.
            shutdown(fd, Int32(SHUT_WR))
            lingering[fd] = (now &+ Self.lingerTime, 0)
            lingerRead(fd: fd, now: now)
            return
        }
        finishClose(fd)
    }

    private func lingerRead(fd: Int32, now: UInt64) {
        guard var state = lingering[fd] else { return }
        while true {
            let n = Glibc.read(fd, readBuffer.baseAddress, readBuffer.count)
            if n > 0 {
                state.discarded += n
                if state.discarded > Self.lingerMaxBytes { break }
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !draining {
                lingering[fd] = state
                return
            }
            break
        }
        lingering[fd] = nil
        finishClose(fd)
    }

    private func finishClose(_ fd: Int32) {
        Glibc.close(fd)
        liveCount -= 1
        counter.decrement()
    }

    // MARK: - Timers and shutdown

    private func sweep(now: UInt64) {
        if let until = acceptPausedUntil, now >= until, !draining {
            acceptPausedUntil = nil
            _ = clinux_epoll_ctl(epfd, EPOLL_CTL_ADD, listenFD, CLINUX_EPOLLIN, Self.listenerTag)
        }
        for (fd, state) in lingering where now >= state.deadline {
            lingering[fd] = nil
            finishClose(fd)
        }
        for case let c? in connections {
            c.tick(now: now)
            if c.shouldClose || c.hasPendingOutput { service(c, now: now) }
        }
    }

    private func beginDrain(deadline: UInt64) {
        guard !draining else { return }
        draining = true
        drainDeadline = deadline
        if listenFD >= 0 {
            _ = clinux_epoll_ctl(epfd, EPOLL_CTL_DEL, listenFD, 0, 0)
            Glibc.close(listenFD)
            listenFD = -1
        }
        let now = MonotonicClock.now()
        for (fd, _) in lingering {
            lingering[fd] = nil
            finishClose(fd)
        }
        for case let c? in connections {
            c.beginShutdown()
            service(c, now: now)
        }
    }

    private func closeAll() {
        for case let c? in connections {
            connections[Int(c.id.fd)] = nil
            c.closed()
            finishClose(c.id.fd)
        }
        for (fd, _) in lingering { finishClose(fd) }
        lingering.removeAll()
        if listenFD >= 0 {
            Glibc.close(listenFD)
            listenFD = -1
        }
    }
}

/// A system call failed while setting the server up.
public struct ServerError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var errno: Int32
    public init(_ operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }
    public var description: String {
        "\(operation) failed: \(String(cString: strerror(errno))) (errno \(errno))"
    }
}
