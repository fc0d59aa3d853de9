import Synchronization
@testable import HTTPKit

/// Collects messages a connection's workers post, for the test to deliver (the loop's job).
final class CollectingMessenger: LoopMessenger {
    private let queue = Mutex<[LoopMessage]>([])
    func post(_ message: LoopMessage) { queue.withLock { $0.append(message) } }
    func drain() -> [LoopMessage] { queue.withLock { q in defer { q.removeAll() }; return q } }
}

/// A connection environment without sockets or threads: offloaded jobs wait in `jobs`.
final class FakeEnvironment: ConnectionEnvironment {
    let responder: any HTTPResponder
    var limits = HTTPLimits()
    var maxPendingOutput = 1 << 20
    var streamingBodyHighWater = 1 << 20
    var baseLogger = Logger.disabled()
    var dateLine = Array("Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n".utf8)
    let inbox = CollectingMessenger()
    var messenger: any LoopMessenger { inbox }
    var jobs: [@Sendable () -> Void] = []
    private var ids = 0

    init(_ routes: (Router) -> Void) throws {
        let router = Router()
        routes(router)
        responder = try router.buildResponder()
    }

    func makeRequestID() -> String {
        ids += 1
        return "id-\(ids)"
    }

    func offload(_ job: @escaping @Sendable () -> Void) { jobs.append(job) }

    /// Runs the queued jobs here, then hands their messages to `connection`.
    func runJobs(for connection: HTTPConnection, now: UInt64 = 0) {
        while !jobs.isEmpty {
            let pending = jobs
            jobs = []
            for job in pending { job() }
            deliver(to: connection, now: now)
        }
    }

    func deliver(to connection: HTTPConnection, now: UInt64 = 0) {
        for message in inbox.drain() { connection.handle(message, now: now) }
    }

    func connection(timeouts: HTTPConnectionStateMachine.Timeouts = .init()) -> HTTPConnection {
        HTTPConnection(id: ConnectionID(fd: 7, generation: 1), remoteAddress: SocketAddress(ipv4: 127, 0, 0, 1, port: 5555),
                       environment: self, timeouts: timeouts, now: 0)
    }
}

extension HTTPConnection {
    func receive(_ text: String, now: UInt64 = 0) {
        Array(text.utf8).withUnsafeBytes { receive($0, now: now) }
    }

    /// Takes (and marks sent) everything queued for the socket.
    func takeOutput(now: UInt64 = 0) -> String {
        let text = String(decoding: output[outputSent...], as: UTF8.self)
        didSend(pendingOutputCount, now: now)
        return text
    }
}
