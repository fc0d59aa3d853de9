import Glibc
import HTTPKit
import Testing

/// `monolith healthcheck` exit codes against real listeners.
@Suite(.serialized) struct HealthcheckCommandTests {
    /// A server whose /health answers `status`.
    func server(status: HTTPStatus) throws -> (HTTPServer, pthread_t?) {
        let router = Router()
        router.get("/health") { _, _ in Response(status: status) }
        let server = try HTTPServer(configuration: ServerConfiguration(host: "127.0.0.1", port: 0, loopCount: 1, workerCount: 1),
                                    responder: try router.buildResponder(), logger: .disabled())
        var thread = pthread_t()
        let box = Unmanaged.passRetained(server).toOpaque()
        let rc = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            try? Unmanaged<HTTPServer>.fromOpaque(raw).takeRetainedValue().run()
            return nil
        }, box)
        return (server, rc == 0 ? thread : nil)
    }

    @Test func healthyServerExitsZero() throws {
        let (server, thread) = try server(status: .ok)
        defer { server.shutdown(); if let thread { pthread_join(thread, nil) } }
        let byFlag = try ChildProcess(["healthcheck", "--port", "\(server.port)"])
        #expect(try byFlag.wait() == 0)
        let byEnvironment = try ChildProcess(["healthcheck"], environment: ["PORT": "\(server.port)"])
        #expect(try byEnvironment.wait() == 0)
    }

    @Test func non200ExitsOne() throws {
        let (server, thread) = try server(status: .serviceUnavailable)
        defer { server.shutdown(); if let thread { pthread_join(thread, nil) } }
        let child = try ChildProcess(["healthcheck", "--port", "\(server.port)"])
        #expect(try child.wait() == 1)
        #expect(child.errorOutput.contains("503"))
    }

    @Test func nothingListeningExitsOne() throws {
        let child = try ChildProcess(["healthcheck", "--port", "\(unusedPort())"])
        #expect(try child.wait() == 1)
    }

    @Test func aListenerThatNeverAnswersExitsOneWithinTheBudget() throws {
        // Listening but never accepting: the handshake completes, no answer ever comes.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        listen(fd, 8)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let child = try ChildProcess(["healthcheck", "--port", "\(UInt16(bigEndian: address.sin_port))"])
        #expect(try child.wait(timeout: .seconds(10)) == 1)
    }
}
