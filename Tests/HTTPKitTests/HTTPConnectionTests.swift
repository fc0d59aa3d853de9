import Testing
@testable import HTTPKit

/// One connection's HTTP logic driven without sockets (the loop's side is the test).
@Suite struct HTTPConnectionTests {
    static func routes(_ r: Router) {
        r.get("/health") { _, _ in .json(bytes: Array(#"{"status":"ok"}"#.utf8)) }
        r.post("/echo") { request, _ in Response(body: .bytes(request.body.bytes)) }
        r.post("/slow", options: .offloaded) { request, _ in .text("slow:" + String(decoding: request.body.bytes, as: UTF8.self)) }
        r.get("/peer") { request, _ in .text(request.remoteAddress?.description ?? "-") }
        r.get("/stream") { _, _ in
            Response(body: .stream { writer in
                try writer.write(Array("hello ".utf8))
                try writer.write(Array("streamed ".utf8))
                try writer.write(Array("world".utf8))
            })
        }
    }

    @Test func pipelinedRequestsProduceOrderedResponsesInOneBatch() throws {
        let env = try FakeEnvironment(Self.routes)
        let c = env.connection()
        c.receive("GET /health HTTP/1.1\r\nHost: a\r\n\r\nPOST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhiGET /peer HTTP/1.1\r\nHost: a\r\n\r\n")
        let out = c.takeOutput()
        let bodies = out.split(separator: "\r\n\r\n").map(String.init)
        #expect(bodies.count == 4)
        #expect(out.hasPrefix("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\n\r\n{\"status\":\"ok\"}HTTP/1.1 200 OK\r\n"))
        #expect(out.contains("\r\n\r\nhiHTTP/1.1 200 OK"))
        #expect(out.hasSuffix("\r\n\r\n127.0.0.1:5555"))
        #expect(!c.shouldClose)
    }

    @Test func aSplitRequestIsAnsweredOnceComplete() throws {
        let env = try FakeEnvironment(Self.routes)
        let c = env.connection()
        c.receive("POST /echo HTTP/1.1\r\nHo")
        c.receive("st: a\r\nContent-Len")
        c.receive("gth: 5\r\n\r\nab")
        #expect(c.takeOutput().isEmpty)
        c.receive("cde")
        #expect(c.takeOutput().hasSuffix("\r\n\r\nabcde"))
    }

    @Test func offloadedRequestHoldsBackLaterPipelinedOnes() throws {
        let env = try FakeEnvironment(Self.routes)
        let c = env.connection()
        c.receive("POST /slow HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nxGET /health HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(c.takeOutput().isEmpty)
        #expect(env.jobs.count == 1)
        #expect(!c.wantsRead)
        env.runJobs(for: c)
        let out = c.takeOutput()
        let slow = try #require(out.firstRange(of: "slow:x"))
        let health = try #require(out.firstRange(of: "{\"status\":\"ok\"}"))
        #expect(slow.upperBound <= health.lowerBound)
        #expect(c.wantsRead)
    }

    @Test func headGetsHeadersWithoutBody() throws {
        let env = try FakeEnvironment(Self.routes)
        let c = env.connection()
        c.receive("HEAD /health HTTP/1.1\r\nHost: a\r\n\r\n")
        let out = c.takeOutput()
        #expect(out.contains("Content-Length: 15\r\n"))
        #expect(out.hasSuffix("GMT\r\n\r\n"))
    }

    @Test func backPressureStopsParsingUntilOutputDrains() throws {
        let env = try FakeEnvironment(Self.routes)
        env.maxPendingOutput = 100
        let c = env.connection()
        let one = "GET /health HTTP/1.1\r\nHost: a\r\n\r\n"
        c.receive(String(repeating: one, count: 10))
        // Each answer is ~110 bytes: parsing stopped after the bound was passed.
        let firstBatch = c.pendingOutputCount
        #expect(firstBatch > 100 && firstBatch < 300)
        #expect(!c.wantsRead)
        var answers = c.takeOutput().ranges(of: "HTTP/1.1 200").count
        while !c.input.isEmpty || c.hasPendingOutput {
            c.processInput(now: 0)
            answers += c.takeOutput().ranges(of: "HTTP/1.1 200").count
        }
        #expect(answers == 10)
        #expect(c.wantsRead)
    }

    @Test func parseErrorAnswersAndClosesAfterFlushing() throws {
        let env = try FakeEnvironment(Self.routes)
        let c = env.connection()
        c.receive("GET /health HTTP/1.1\r\nHost: a\r\nX-A : b\r\n\r\n")
        #expect(!c.shouldClose)  // the answer is still unsent
        let out = c.takeOutput()
        #expect(out.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(out.contains("Connection: close\r\n"))
        #expect(out.hasSuffix(#"{"error":"whitespace between header field name and colon"}"#))
        #expect(c.shouldClose)
    }

    @Test func headerTimeoutAnswers408() throws {
        let env = try FakeEnvironment(Self.routes)
        let c = env.connection(timeouts: .init(idle: 100, headerRead: 10, bodyStall: 10, writeStall: 100))
        c.receive("GET /health HTTP/1.1\r\n", now: 5)
        c.tick(now: 14)
        #expect(c.takeOutput().isEmpty)
        c.tick(now: 15)
        let out = c.takeOutput()
        #expect(out.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
        #expect(out.contains("Connection: close\r\n"))
        #expect(c.shouldClose)
    }

    @Test func idleTimeoutClosesSilently() throws {
        let env = try FakeEnvironment(Self.routes)
        let c = env.connection(timeouts: .init(idle: 100, headerRead: 10, bodyStall: 10, writeStall: 100))
        c.receive("GET /health HTTP/1.1\r\nHost: a\r\n\r\n", now: 1)
        _ = c.takeOutput()
        c.tick(now: 100)
        #expect(!c.shouldClose)
        c.tick(now: 101)
        #expect(c.shouldClose)
        #expect(c.takeOutput().isEmpty)
    }

    @Test func streamingResponseIsChunked() throws {
        let env = try FakeEnvironment(Self.routes)
        let c = env.connection()
        c.receive("GET /stream HTTP/1.1\r\nHost: a\r\n\r\n")
        env.runJobs(for: c)
        let out = c.takeOutput()
        #expect(out.contains("Transfer-Encoding: chunked\r\n"))
        #expect(!out.contains("Content-Length"))
        #expect(out.hasSuffix("\r\n\r\n6\r\nhello \r\n9\r\nstreamed \r\n5\r\nworld\r\n0\r\n\r\n"))
        #expect(!c.shouldClose)
    }

    @Test func streamingResponseToHTTP10IsDelimitedByClose() throws {
        let env = try FakeEnvironment(Self.routes)
        let c = env.connection()
        c.receive("GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        env.runJobs(for: c)
        let out = c.takeOutput()
        #expect(out.contains("Connection: close\r\n"))
        #expect(out.hasSuffix("\r\n\r\nhello streamed world"))
        #expect(c.shouldClose)
    }

    @Test func peerHalfCloseStillGetsItsAnswer() throws {
        let env = try FakeEnvironment(Self.routes)
        let c = env.connection()
        c.receive("POST /slow HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nz")
        c.peerClosed(now: 0)
        #expect(!c.shouldClose)
        env.runJobs(for: c)
        let out = c.takeOutput()
        #expect(out.hasSuffix("slow:z"))
        #expect(out.contains("Connection: close\r\n"))
        #expect(c.shouldClose)
    }

    @Test func shutdownClosesIdleAndDrainsBusy() throws {
        let env = try FakeEnvironment(Self.routes)
        let idle = env.connection()
        idle.beginShutdown()
        #expect(idle.shouldClose)

        let busy = env.connection()
        busy.receive("POST /slow HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nq")
        busy.beginShutdown()
        #expect(!busy.shouldClose)
        env.runJobs(for: busy)
        let out = busy.takeOutput()
        #expect(out.hasSuffix("slow:q"))
        #expect(out.contains("Connection: close\r\n"))
        #expect(busy.shouldClose)
    }

    @Test func statusLinesAndServerOwnedHeaders() throws {
        let env = try FakeEnvironment { r in
            r.get("/custom") { _, _ in
                var response = Response(status: HTTPStatus(code: 299, reasonPhrase: "Fine\r\nX-Injected: 1"), body: .bytes([65]))
                response.headers.add(name: "Content-Length", value: "999")
                response.headers.add(name: "X-Ok", value: "a\r\nX-Injected: 2")
                response.headers.add(name: "Bad Name", value: "v")
                return response
            }
            r.get("/unknown") { _, _ in Response(status: HTTPStatus(code: 599)) }
            r.get("/empty") { _, _ in Response(status: .noContent) }
        }
        let c = env.connection()
        c.receive("GET /custom HTTP/1.1\r\nHost: a\r\n\r\n")
        let custom = c.takeOutput()
        #expect(custom.hasPrefix("HTTP/1.1 299 FineX-Injected: 1\r\nX-Ok: a  X-Injected: 2\r\nContent-Length: 1\r\n"))
        #expect(!custom.contains("999"))
        #expect(!custom.contains("Bad Name"))
        c.receive("GET /unknown HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(c.takeOutput().hasPrefix("HTTP/1.1 599 \r\nContent-Length: 0\r\n"))
        c.receive("GET /empty HTTP/1.1\r\nHost: a\r\n\r\n")
        let empty = c.takeOutput()
        #expect(empty.hasPrefix("HTTP/1.1 204 No Content\r\nDate: "))
        #expect(!empty.contains("Content-Length"))
    }
}
