import Glibc
@testable import HTTPKit

/// An in-process server on 127.0.0.1 with an ephemeral port, run on its own thread.
final class TestServer {
    let server: HTTPServer
    let logs = InMemoryLogHandler()
    private var thread: pthread_t?

    init(configure: (inout ServerConfiguration) -> Void = { _ in }, routes: (Router) -> Void) throws {
        let router = Router()
        routes(router)
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 0, loopCount: 2, workerCount: 2)
        configure(&configuration)
        server = try HTTPServer(configuration: configuration, responder: try router.buildResponder(),
                                logger: Logger(label: "test", handler: logs, logLevel: .debug))
        let server = self.server
        thread = NativeThread.start(name: "test-server") { try? server.run() }
    }

    var port: Int { server.port }

    /// Shuts the server down and waits for `run` to return.
    func stop() {
        server.shutdown()
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }

    deinit { stop() }

    /// A raw connection to this server (deadline 10 s).
    func connect(timeout: Duration = .seconds(10)) throws -> BlockingTCPSocket {
        try BlockingTCPSocket(host: "127.0.0.1", port: port, timeout: timeout)
    }
}

extension BlockingTCPSocket {
    /// Reads until `count` complete responses (Content-Length or chunked framing) arrived.
    func readResponses(_ count: Int) throws -> [BlockingHTTPClient.Response] {
        var buffer: [UInt8] = []
        var responses: [BlockingHTTPClient.Response] = []
        while responses.count < count {
            if let (response, used) = ResponseReader.next(buffer) {
                responses.append(response)
                buffer.removeFirst(used)
                continue
            }
            let chunk = try receive()
            if chunk.isEmpty { break }
            buffer += chunk
        }
        return responses
    }

    /// Reads everything until the server closes and returns it as text.
    func readAllText() throws -> String {
        String(decoding: try receiveUntilClose(), as: UTF8.self)
    }
}

/// Splits a byte stream into responses (for pipelining tests).
enum ResponseReader {
    static func next(_ buffer: [UInt8]) -> (BlockingHTTPClient.Response, Int)? {
        guard let end = BlockingHTTPClient.headEnd(buffer) else { return nil }
        guard let head = BlockingHTTPClient.parseHead(buffer[0..<end]) else { return nil }
        if head.headers["transfer-encoding"] == "chunked" {
            // Find the terminating "0\r\n\r\n" after the head.
            let rest = Array(buffer[(end + 4)...])
            guard rest.count >= 5 else { return nil }
            for i in 0...(rest.count - 5) where rest[i..<(i + 5)].elementsEqual("0\r\n\r\n".utf8) && (i == 0 || rest[i - 1] == 10) {
                guard let full = BlockingHTTPClient.parse(Array(buffer[0..<(end + 4 + i + 5)])) else { return nil }
                return (full, end + 4 + i + 5)
            }
            return nil
        }
        let length = head.status == 100 ? 0 : Int(head.headers["content-length"] ?? "0") ?? 0
        guard buffer.count >= end + 4 + length else { return nil }
        var response = head
        response.body = Array(buffer[(end + 4)..<(end + 4 + length)])
        return (response, end + 4 + length)
    }
}
