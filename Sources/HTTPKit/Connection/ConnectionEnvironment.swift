/// Identifies a connection across threads: its fd plus a generation, since fds are reused.
struct ConnectionID: Hashable, Sendable {
    var fd: Int32
    var generation: UInt32
}

/// A message posted to an event loop from another thread.
enum LoopMessage: Sendable {
    /// An off-loop handler finished.
    case response(ConnectionID, Response)
    /// A streaming request body's reader wants (more) bytes.
    case bodyDemand(ConnectionID)
    /// A streaming response produced a piece.
    case responseChunk(ConnectionID, [UInt8])
    /// A streaming response ended (`failed`: the producer threw; the body is cut short).
    case responseEnd(ConnectionID, failed: Bool)
    /// Begin a graceful shutdown; force-close what is left at `deadline` (monotonic ns).
    case shutdown(deadline: UInt64)
}

/// Posts messages to one event loop from any thread.
protocol LoopMessenger: Sendable {
    func post(_ message: LoopMessage)
}

/// What a connection needs from the loop that owns it (a seam: tests drive a connection
/// with a fake environment, no sockets).
protocol ConnectionEnvironment: AnyObject {
    var responder: any HTTPResponder { get }
    var limits: HTTPLimits { get }
    var maxPendingOutput: Int { get }
    var streamingBodyHighWater: Int { get }
    var baseLogger: Logger { get }
    /// The current `Date: …\r\n` line.
    var dateLine: [UInt8] { get }
    var messenger: any LoopMessenger { get }
    func makeRequestID() -> String
    /// Runs `job` on a worker thread.
    func offload(_ job: @escaping @Sendable () -> Void)
}

/// The client went away while its request was being handled.
public struct ConnectionClosedError: HTTPResponseError, Sendable {
    public var status: HTTPStatus { .badRequest }
    public var message: String { "connection closed by client" }
    public init() {}
}

/// Feeds a streaming response from a worker thread to its loop with back-pressure:
/// `write` blocks while `highWater` bytes are posted but not yet flushed to the socket.
final class ResponseStreamWriter: ResponseBodyWriter, @unchecked Sendable {
    private let id: ConnectionID
    private let messenger: any LoopMessenger
    private let highWater: Int
    private let lock = ConditionLock()
    private var unacknowledged = 0
    private var cancelled = false

    init(id: ConnectionID, messenger: any LoopMessenger, highWater: Int) {
        self.id = id
        self.messenger = messenger
        self.highWater = max(1, highWater)
    }

    func write(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        try lock.withLock {
            while unacknowledged >= highWater && !cancelled { lock.wait() }
            if cancelled { throw ConnectionClosedError() }
            unacknowledged += bytes.count
        }
        messenger.post(.responseChunk(id, bytes))
    }

    /// The loop flushed `count` bytes of this stream.
    func acknowledge(_ count: Int) {
        lock.withLock {
            unacknowledged = max(0, unacknowledged - count)
            lock.broadcast()
        }
    }

    /// The connection is gone: pending and future writes throw.
    func cancel() {
        lock.withLock {
            cancelled = true
            lock.broadcast()
        }
    }
}
