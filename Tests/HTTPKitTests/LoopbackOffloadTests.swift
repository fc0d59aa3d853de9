import Glibc
import Synchronization
import Testing
@testable import HTTPKit

/// Off-loop work over 127.0.0.1: offloaded handlers, streaming bodies both ways, limits.
@Suite(.serialized) struct LoopbackOffloadTests {
    @Test func anOffloadedSlowHandlerDoesNotStallOtherConnections() throws {
        let gate = Gate()
        let server = try TestServer(configure: { $0.loopCount = 1 }) { r in
            r.get("/health") { _, _ in .text("ok") }
            r.get("/block", options: .offloaded) { _, _ in gate.wait(); return .text("released") }
        }
        defer { server.stop() }
        let slow = try server.connect()
        try slow.send("GET /block HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(gate.waitForArrivals())
        // The only loop is free: another client is served while the handler still waits.
        let fast = try BlockingHTTPClient.request(port: server.port, path: "/health")
        #expect(fast.bodyText == "ok")
        gate.open()
        #expect(try slow.readResponses(1).first?.bodyText == "released")
    }

    @Test func streamingUploadIsReadPieceByPieceWithBackPressure() throws {
        let largestPiece = Atomic<Int>(0)
        let server = try TestServer(configure: { $0.streamingBodyHighWater = 64 * 1024 }) { r in
            r.put("/upload", options: RouteOptions(streamingBody: true, maxBodySize: 32 << 20)) { request, _ in
                guard case .stream(let stream) = request.body else { return .text("not a stream") }
                var total = 0
                var sum: UInt64 = 0
                while let piece = try stream.read() {
                    total += piece.count
                    for b in piece { sum = sum &* 31 &+ UInt64(b) }
                    largestPiece.max(piece.count, ordering: .relaxed)
                    usleep(200)  // a slow disk: the loop must stop reading meanwhile
                }
                return .text("\(total) \(sum)")
            }
        }
        defer { server.stop() }
        let size = 2 << 20
        let body = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        var expected: UInt64 = 0
        for b in body { expected = expected &* 31 &+ UInt64(b) }

        let socket = try server.connect(timeout: .seconds(60))
        try socket.send(Array("PUT /upload HTTP/1.1\r\nHost: t\r\nContent-Length: \(size)\r\n\r\n".utf8) + body)
        #expect(try socket.readResponses(1).first?.bodyText == "\(size) \(expected)")
        #expect(largestPiece.load(ordering: .relaxed) <= 64 * 1024)

        // The same body chunked, after an Expect: 100-continue the handler triggers by reading.
        let chunked = try server.connect(timeout: .seconds(60))
        try chunked.send("PUT /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n")
        #expect(String(decoding: try chunked.receive(), as: UTF8.self) == "HTTP/1.1 100 Continue\r\n\r\n")
        var framed: [UInt8] = []
        for start in stride(from: 0, to: size, by: 50_000) {
            let piece = body[start..<min(start + 50_000, size)]
            framed += Array(String(piece.count, radix: 16).utf8) + [13, 10] + piece + [13, 10]
        }
        try chunked.send(framed + Array("0\r\n\r\n".utf8))
        #expect(try chunked.readResponses(1).first?.bodyText == "\(size) \(expected)")
    }

    @Test func perRouteBodyLimits() throws {
        let server = try TestServer { r in
            r.post("/small", options: RouteOptions(maxBodySize: 10)) { request, _ in .text("\(request.body.bytes.count)") }
            r.post("/large") { request, _ in .text("\(request.body.bytes.count)") }
            r.post("/stream", options: RouteOptions(streamingBody: true, maxBodySize: 10)) { request, _ in
                .text("\(try request.body.collect().count)")
            }
        }
        defer { server.stop() }
        let eleven = [UInt8](repeating: 65, count: 11)
        let small = try BlockingHTTPClient.request(port: server.port, method: "POST", path: "/small", body: eleven)
        #expect(small.status == 413)
        #expect(small.bodyText == #"{"error":"request body too large"}"#)
        let large = try BlockingHTTPClient.request(port: server.port, method: "POST", path: "/large", body: eleven)
        #expect(large.bodyText == "11")
        let stream = try BlockingHTTPClient.request(port: server.port, method: "POST", path: "/stream", body: eleven)
        #expect(stream.status == 413)
        let fits = try BlockingHTTPClient.request(port: server.port, method: "POST", path: "/stream", body: Array(eleven.dropLast()))
        #expect(fits.bodyText == "10")
    }

    @Test func streamingResponseWithASlowReader() throws {
        let server = try TestServer(configure: { $0.maxPendingOutput = 64 * 1024 }) { r in
            r.get("/download") { _, _ in
                Response(body: .stream { writer in
                    for i in 0..<64 { try writer.write([UInt8](repeating: UInt8(i), count: 64 * 1024)) }
                })
            }
        }
        defer { server.stop() }
        let socket = try server.connect(timeout: .seconds(60))
        try socket.send("GET /download HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        var raw: [UInt8] = []
        while true {
            let piece = try socket.receive(maxBytes: 16 * 1024)
            if piece.isEmpty { break }
            raw += piece
            if raw.count % (1 << 20) < 16 * 1024 { usleep(2000) }
        }
        let response = try #require(BlockingHTTPClient.parse(raw))
        #expect(response.headers["transfer-encoding"] == "chunked")
        #expect(response.body.count == 64 * 64 * 1024)
        #expect(response.body[65 * 1024] == 1 && response.body.last == 63)
    }

    @Test func connectionsOverTheMaximumGet503() throws {
        let server = try TestServer(configure: { $0.maxConnections = 2; $0.loopCount = 1 }) { r in
            r.get("/health") { _, _ in .text("ok") }
        }
        defer { server.stop() }
        let a = try server.connect()
        let b = try server.connect()
        try a.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        try b.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try a.readResponses(1).count == 1)
        #expect(try b.readResponses(1).count == 1)
        let c = try server.connect()
        #expect(try c.readAllText().hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
        a.close()
        // Once a slot frees, new connections are served again (the close is seen asynchronously).
        var served = false
        for _ in 0..<100 where !served {
            if let r = try? BlockingHTTPClient.request(port: server.port, path: "/health"), r.status == 200 { served = true } else { usleep(20_000) }
        }
        #expect(served)
    }
}
