/// The connection policy as a value type: keep-alive, timeouts, pipelining and draining
/// decided from events and a clock, with no I/O (Hummingbird's
/// `HTTPConnectionStateHandler` shape). The connection reports what happened; the
/// machine answers with an action and keeps the next deadline.
public struct HTTPConnectionStateMachine: Sendable {
    /// Timeouts in nanoseconds.
    public struct Timeouts: Sendable, Equatable {
        /// No request bytes after a response (keep-alive) for this long: close silently.
        public var idle: UInt64
        /// A head not complete this long after its first byte: 408 and close (slowloris).
        public var headerRead: UInt64
        /// No body bytes for this long while a body is due: 408 and close.
        public var bodyStall: UInt64
        /// Unsent output with no progress for this long (client not reading): close.
        public var writeStall: UInt64

        public init(idle: UInt64 = 60_000_000_000, headerRead: UInt64 = 10_000_000_000,
                    bodyStall: UInt64 = 30_000_000_000, writeStall: UInt64 = 60_000_000_000) {
            self.idle = idle
            self.headerRead = headerRead
            self.bodyStall = bodyStall
            self.writeStall = writeStall
        }
    }

    /// Where the connection is in its request/response cycle.
    public enum State: Sendable, Equatable {
        /// Waiting for the first byte of a request.
        case idle
        /// Some bytes of a head have arrived.
        case readingHead
        /// The head is in; body bytes are due.
        case readingBody
        /// The request is complete; the response is being produced or written.
        case processing
        /// The connection is to be closed.
        case closed
    }

    /// What the connection must do.
    public enum Action: Sendable, Equatable {
        case none
        /// Close now, writing nothing more.
        case close
        /// Answer 408 Request Timeout (RFC 9110 §15.5.9), then close.
        case timeoutAndClose
    }

    public let timeouts: Timeouts
    public private(set) var state: State = .idle
    /// True once shutdown began: the current exchange finishes, then the connection closes.
    public private(set) var draining = false
    private var readDeadline: UInt64?
    private var writeDeadline: UInt64?

    /// A new connection, idle since `now`.
    public init(timeouts: Timeouts, now: UInt64) {
        self.timeouts = timeouts
        readDeadline = now &+ timeouts.idle
    }

    /// The earliest instant at which `tick` may act.
    public var nextDeadline: UInt64? {
        switch (readDeadline, writeDeadline) {
        case (nil, nil): nil
        case (let r?, nil): r
        case (nil, let w?): w
        case (let r?, let w?): min(r, w)
        }
    }

    /// Bytes of a new request arrived while idle: the header-read clock starts once, at the
    /// first byte, and is not reset by later bytes (a slowloris cannot extend it).
    public mutating func requestBytesReceived(now: UInt64) {
        guard state == .idle else { return }
        state = .readingHead
        readDeadline = now &+ timeouts.headerRead
    }

    /// A complete head arrived.
    public mutating func headReceived(now: UInt64, expectsBody: Bool) {
        guard state == .idle || state == .readingHead else { return }
        if expectsBody {
            state = .readingBody
            readDeadline = now &+ timeouts.bodyStall
        } else {
            state = .processing
            readDeadline = nil
        }
    }

    /// Body bytes arrived: the stall clock restarts.
    public mutating func bodyProgress(now: UInt64) {
        guard state == .readingBody else { return }
        readDeadline = now &+ timeouts.bodyStall
    }

    /// The body is complete (or not wanted any more); the response is being produced.
    public mutating func requestComplete() {
        guard state != .closed else { return }
        state = .processing
        readDeadline = nil
    }

    /// The response was fully queued. Keep-alive returns to idle; else (or when draining) close.
    public mutating func responseComplete(now: UInt64, keepAlive: Bool) -> Action {
        guard state != .closed else { return .none }
        if !keepAlive || draining {
            state = .closed
            return .close
        }
        state = .idle
        readDeadline = now &+ timeouts.idle
        return .none
    }

    /// Output is waiting for the socket; the write-stall clock runs while no progress is made.
    public mutating func outputPending(now: UInt64, progressed: Bool) {
        if progressed || writeDeadline == nil { writeDeadline = now &+ timeouts.writeStall }
    }

    /// All output was sent.
    public mutating func outputDrained() {
        writeDeadline = nil
    }

    /// Shutdown began: an idle connection closes now; a busy one finishes its exchange.
    public mutating func shutdown() -> Action {
        draining = true
        if state == .idle {
            state = .closed
            return .close
        }
        return .none
    }

    /// The peer closed its sending side: close once nothing is in flight.
    public mutating func peerClosed() -> Action {
        switch state {
        case .idle, .readingHead, .readingBody:
            state = .closed
            return .close
        case .processing:
            draining = true
            return .none
        case .closed:
            return .none
        }
    }

    /// Checks the deadlines at `now`.
    public mutating func tick(now: UInt64) -> Action {
        if let w = writeDeadline, now >= w {
            state = .closed
            return .close
        }
        guard let r = readDeadline, now >= r else { return .none }
        switch state {
        case .idle:
            state = .closed
            return .close
        case .readingHead, .readingBody:
            state = .closed
            return .timeoutAndClose
        case .processing, .closed:
            return .none
        }
    }
}
