import Glibc
import Testing
@testable import HTTPKit

/// The real path over 127.0.0.1: epoll loops, sockets, keep-alive, pipelining, timeouts.
@Suite(.serialized) struct LoopbackTests {
    static func routes(_ r: Router) {
        r.get("/health") { _, _ in .json(bytes: Array(#"{"status":"ok"}"#.utf8)) }
        r.post("/echo") { request, _ in Response(status: .ok, body: .bytes(request.body.bytes)) }
        r.get("/id") { _, context in .text(context.requestID) }
    }

    @Test func keepAliveServesSeveralRequestsOnOneConnection() throws {
        let server = try TestServer(routes: Self.routes)
        defer { server.stop() }
        let socket = try server.connect()
        for i in 0..<3 {
            try socket.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\n\(i)")
            let response = try #require(try socket.readResponses(1).first)
            #expect(response.status == 200)
            #expect(response.bodyText == "\(i)")
            #expect(response.headers["connection"] == nil)
            #expect(response.headers["date"]?.hasSuffix(" GMT") == true)
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let server = try TestServer(routes: Self.routes)
        defer { server.stop() }
        let socket = try server.connect()
        var batch = ""
        for i in 0..<20 { batch += "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: \(String(i).count)\r\n\r\n\(i)" }
        batch += "GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
        try socket.send(batch)
        let responses = try socket.readResponses(21)
        #expect(responses.map(\.bodyText) == (0..<20).map(String.init) + [#"{"status":"ok"}"#])
        #expect(responses.last?.headers["connection"] == "close")
        #expect(try socket.receive().isEmpty)
    }

    @Test func http10ClosesUnlessKeepAliveIsAsked() throws {
        let server = try TestServer(routes: Self.routes)
        defer { server.stop() }
        let closing = try server.connect()
        try closing.send("GET /health HTTP/1.0\r\n\r\n")
        let text = try closing.readAllText()
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(text.contains("Connection: close\r\n"))
        let keeping = try server.connect()
        try keeping.send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        let response = try #require(try keeping.readResponses(1).first)
        #expect(response.headers["connection"] == "keep-alive")
    }

    @Test func expectContinueGetsAnInterimResponseBeforeTheBody() throws {
        let server = try TestServer(routes: Self.routes)
        defer { server.stop() }
        let socket = try server.connect()
        try socket.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        let interim = String(decoding: try socket.receive(), as: UTF8.self)
        #expect(interim == "HTTP/1.1 100 Continue\r\n\r\n")
        try socket.send("hello")
        let response = try #require(try socket.readResponses(1).first)
        #expect(response.bodyText == "hello")
    }

    @Test func expectContinueWithATooLargeBodyGets413WithoutContinue() throws {
        let server = try TestServer(configure: { $0.limits.maxBodySize = 10 }, routes: Self.routes)
        defer { server.stop() }
        let socket = try server.connect()
        try socket.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n")
        let text = try socket.readAllText()
        #expect(text.hasPrefix("HTTP/1.1 413 Content Too Large\r\n"))
        #expect(text.contains("Connection: close\r\n"))
        #expect(!text.contains("100 Continue"))
    }

    @Test func parseErrorsAreAnsweredThenTheConnectionCloses() throws {
        let server = try TestServer(routes: Self.routes)
        defer { server.stop() }
        let cases: [(String, String)] = [
            ("GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", "400 Bad Request"),
            ("GET / HTTP/2.0\r\nHost: t\r\n\r\n", "505 HTTP Version Not Supported"),
            ("GET /\(String(repeating: "x", count: 9000)) HTTP/1.1\r\nHost: t\r\n\r\n", "414 URI Too Long"),
            ("GET / HTTP/1.1\r\nHost: t\r\n\(String(repeating: "X-A: b\r\n", count: 101))\r\n", "431 Request Header Fields Too Large"),
        ]
        for (request, status) in cases {
            let socket = try server.connect()
            // A valid request first: the error after it must not affect its answer.
            try socket.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n" + request)
            let text = try socket.readAllText()
            #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(status)")
            #expect(text.contains("HTTP/1.1 \(status)\r\n"), "\(status)")
            #expect(text.hasSuffix("\"}"), "\(status)")
            #expect(text.ranges(of: "Connection: close").count == 1, "\(status)")
        }
    }

    @Test func requestIDComesFromTheHeaderOrIsGenerated() throws {
        let server = try TestServer(routes: Self.routes)
        defer { server.stop() }
        let given = try BlockingHTTPClient.request(port: server.port, path: "/id", headers: [("X-Request-ID", "abc-123")])
        #expect(given.bodyText == "abc-123")
        let generated = try BlockingHTTPClient.request(port: server.port, path: "/id")
        #expect(generated.bodyText.count == 15)
        let other = try BlockingHTTPClient.request(port: server.port, path: "/id")
        #expect(other.bodyText != generated.bodyText)
    }

    @Test func headAnswersWithGetHeadersAndNoBody() throws {
        let server = try TestServer(routes: Self.routes)
        defer { server.stop() }
        let socket = try server.connect()
        try socket.send("HEAD /health HTTP/1.1\r\nHost: t\r\n\r\nGET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        let text = try socket.readAllText()
        let parts = text.split(separator: "HTTP/1.1 200 OK\r\n", omittingEmptySubsequences: false)
        #expect(parts.count == 3)
        #expect(parts[1].contains("Content-Length: 15\r\n"))
        #expect(parts[1].hasSuffix("\r\n\r\n"))
        #expect(parts[2].hasSuffix(#"{"status":"ok"}"#))
    }

    @Test func aLargeResponseReachesASlowReaderWhole() throws {
        let payload = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let server = try TestServer(configure: { $0.maxPendingOutput = 64 * 1024 }) { r in
            r.get("/big") { _, _ in Response(body: .bytes(payload)) }
            r.get("/health") { _, _ in .text("ok") }
        }
        defer { server.stop() }
        let socket = try server.connect(timeout: .seconds(60))
        // Pipelined behind the big answer: it must wait for it and then come in order.
        try socket.send("GET /big HTTP/1.1\r\nHost: t\r\n\r\nGET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        var raw: [UInt8] = []
        var reads = 0
        while true {
            let piece = try socket.receive(maxBytes: 32 * 1024)
            if piece.isEmpty { break }
            raw += piece
            reads += 1
            if reads % 32 == 0 { usleep(5_000) }  // a slow reader: the server sees EAGAIN
        }
        let first = try #require(ResponseReader.next(raw))
        #expect(first.0.body == payload)
        let second = try #require(ResponseReader.next(Array(raw[first.1...])))
        #expect(second.0.bodyText == "ok")
    }
}
