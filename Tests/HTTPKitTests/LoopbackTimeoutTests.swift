import Glibc
import Testing
@testable import HTTPKit

/// Timeouts and shutdown over 127.0.0.1, with short configured timeouts (no timing asserts).
@Suite(.serialized) struct LoopbackTimeoutTests {
    static func routes(_ r: Router) {
        r.get("/health") { _, _ in .text("ok") }
        r.post("/echo") { request, _ in Response(body: .bytes(request.body.bytes)) }
    }

    @Test func slowlorisIsTimedOutWith408() throws {
        let server = try TestServer(configure: { $0.headerReadTimeout = .milliseconds(300) }, routes: Self.routes)
        defer { server.stop() }
        let socket = try server.connect()
        try socket.send("GET /health HTTP/1.1\r\n")
        // Keep trickling header bytes: the deadline counts from the first byte.
        for i in 0..<12 {
            guard (try? socket.send("X-\(i): v\r\n")) != nil else { break }
            usleep(50_000)
        }
        let text = try socket.readAllText()
        #expect(text.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
        #expect(text.contains("Connection: close\r\n"))
    }

    @Test func stalledBodyIsTimedOut() throws {
        let server = try TestServer(configure: { $0.bodyStallTimeout = .milliseconds(300) }, routes: Self.routes)
        defer { server.stop() }
        let socket = try server.connect()
        try socket.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
        #expect(try socket.readAllText().hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
    }

    @Test func idleKeepAliveConnectionIsClosed() throws {
        let server = try TestServer(configure: { $0.idleTimeout = .milliseconds(300) }, routes: Self.routes)
        defer { server.stop() }
        let socket = try server.connect()
        try socket.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try socket.readResponses(1).first?.bodyText == "ok")
        #expect(try socket.receive().isEmpty)  // closed by the server, nothing more sent
    }

    @Test func shutdownClosesIdleConnectionsAndFinishesInFlightRequests() throws {
        let gate = Gate()
        let server = try TestServer { r in
            r.get("/health") { _, _ in .text("ok") }
            r.get("/work", options: .offloaded) { _, _ in gate.wait(); return .text("finished") }
        }
        let idle = try server.connect()
        try idle.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try idle.readResponses(1).count == 1)
        let busy = try server.connect()
        try busy.send("GET /work HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(gate.waitForArrivals())

        server.server.shutdown()
        #expect(try idle.receive().isEmpty)  // the idle one is closed at once
        // New connections are refused once the listeners are closed.
        var refused = false
        for _ in 0..<100 where !refused {
            if (try? server.connect()) == nil { refused = true } else { usleep(10_000) }
        }
        #expect(refused)
        gate.open()
        let text = try busy.readAllText()
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(text.contains("Connection: close\r\n"))
        #expect(text.hasSuffix("finished"))
        server.stop()
    }

    @Test func shutdownGraceBoundsAHandlerThatNeverFinishes() throws {
        let gate = Gate()
        let server = try TestServer(configure: { $0.shutdownGrace = .milliseconds(200) }) { r in
            r.get("/hang", options: .offloaded) { _, _ in gate.wait(); return .text("late") }
        }
        let socket = try server.connect()
        try socket.send("GET /hang HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(gate.waitForArrivals())
        server.stop()  // returns once the grace is over, with the handler still waiting
        #expect(try socket.readAllText().isEmpty)
        gate.open()
    }

    @Test func aRequestFollowedAtOnceByTheClientsFINIsAnsweredAndClosed() throws {
        // With an hour of idle timeout, only noticing the FIN can close these connections.
        let server = try TestServer(configure: { $0.idleTimeout = .seconds(3600) }, routes: Self.routes)
        defer { server.stop() }
        let sockets = try (0..<20).map { _ in try server.connect() }
        for socket in sockets {
            try socket.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            socket.shutdownWrite()
        }
        for socket in sockets {
            let text = try socket.readAllText()
            #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(text.hasSuffix("ok"))
        }
    }
}
