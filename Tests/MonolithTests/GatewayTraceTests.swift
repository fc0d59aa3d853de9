import HTTPKit
import Testing
@testable import Monolith

/// Request ids and W3C trace context, on the wire and in the logs.
@Suite struct GatewayTraceTests {
    @Test func requestIDIsEchoedWhenValidElseGenerated() throws {
        let server = try GatewayServer()
        let given = try server.request("GET", "/health", headers: [("X-Request-ID", "client-id_1.2")])
        #expect(given.headers["X-Request-ID"] == "client-id_1.2")
        for bad in ["has space", "quote\"d", String(repeating: "x", count: 129), "a/b", "{json}"] {
            let response = try server.request("GET", "/health", headers: [("X-Request-ID", bad)])
            let id = try #require(response.headers["X-Request-ID"])
            #expect(id != bad)
            #expect(id.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
        }
        let a = try server.request("GET", "/health").headers["X-Request-ID"]
        let b = try server.request("GET", "/health").headers["X-Request-ID"]
        #expect(a != nil && a != b)
        let line = server.accessLines().first { $0["request.id"]?.string == "client-id_1.2" }
        #expect(line?["http.route"]?.string == "/health")
    }

    @Test func traceparentContinuesTheTraceWithANewSpan() throws {
        let server = try GatewayServer()
        let incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let response = try server.predict(headers: [("traceparent", incoming)])
        #expect(response.status == 200)
        let out = try #require(response.headers["traceparent"])
        let parts = out.split(separator: "-").map(String.init)
        #expect(parts.count == 4)
        #expect(parts[0] == "00")
        #expect(parts[1] == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(parts[2].count == 16 && parts[2] != "00f067aa0ba902b7" && parts[2] != "0000000000000000")
        #expect(parts[3] == "01")
        let line = server.accessLines().first { $0["trace.id"]?.string == "4bf92f3577b34da6a3ce929d0e0e4736" }
        #expect(line?["http.route"]?.string == "/predict")
    }

    @Test func invalidTraceparentStartsANewTrace() throws {
        let server = try GatewayServer()
        let invalid = [
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",  // uppercase
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // zero trace id
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // zero parent id
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // version ff
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  // version 00 is exactly 55
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",  // short trace id
            "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
            "garbage",
        ]
        for value in invalid {
            let out = try #require(try server.request("GET", "/health", headers: [("traceparent", value)]).headers["traceparent"])
            #expect(!out.contains("4bf92f3577b34da6a3ce929d0e0e4736"), "\(value)")
            #expect(TraceContext.parse(Array(out.utf8)[...]) != nil)
        }
        // A future version with more fields is read for its known part (§3.2.4).
        let future = "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds"
        let continued = try #require(try server.request("GET", "/health", headers: [("traceparent", future)]).headers["traceparent"])
        #expect(continued.hasPrefix("00-4bf92f3577b34da6a3ce929d0e0e4736-"))
        // Without a header a trace starts here, with flags 00.
        let fresh = try #require(try server.request("GET", "/health").headers["traceparent"])
        #expect(fresh.utf8.count == 55 && fresh.hasSuffix("-00"))
    }

    @Test func parserFollowsTheSpec() {
        func parse(_ s: String) -> Bool { TraceContext.parse(Array(s.utf8)[...]) != nil }
        #expect(parse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"))
        #expect(parse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"))
        #expect(!parse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0"))
        #expect(!parse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333g-01"))
        #expect(parse("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"))
        #expect(!parse("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01x"))
        #expect(parse("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x"))
        var random = FastRandom()
        let context = TraceContext.make(header: nil, random: &random)
        #expect(context.traceparent.utf8.count == 55)
        #expect(TraceContext.parse(Array(context.traceparent.utf8)[...])?.parent == context.span)
    }
}
