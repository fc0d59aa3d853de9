import Testing
@testable import HTTPKit

/// A policy decided from the matched route (RequestContext.routeIndex + RouterResponder.routeTable)
/// holds only if every spelling of a path either matches the route it names or nothing.
/// These requests go over a socket, through the real parser, as an attacker sends them.
@Suite struct RouteMatchConsistencyTests {
    static func routes(_ r: Router) {
        let guarded = RouteOptions(tags: ["scope:admin"])
        r.get("/api/models", options: guarded) { _, c in .text(Self.describe(c)) }
        r.post("/api/models/{name}/versions", options: guarded) { _, c in .text(Self.describe(c)) }
        r.post("/v2/models/{m}/infer") { _, c in .text(Self.describe(c)) }
        r.get("/v2/models/{m}") { _, c in .text(Self.describe(c)) }
    }

    static func describe(_ context: RequestContext) -> String {
        "\(context.routeIndex.map(String.init) ?? "-") \(context.routeTemplate ?? "-")"
    }

    @Test func spellingsOfAGuardedPathMatchItOrNothing() throws {
        let server = try TestServer(routes: Self.routes)
        defer { server.stop() }
        // (target, the route it must reach, or nil for "no route").
        let cases: [(String, String, String?)] = [
            ("GET", "/api/models", "0 /api/models"),
            ("GET", "/API/models", nil),
            ("GET", "/api/Models", nil),
            ("GET", "//api/models", nil),
            ("GET", "/api//models", nil),
            ("GET", "/api/models/", nil),
            ("GET", "/api/models//", nil),
            ("GET", "/%61pi/models", "0 /api/models"),
            ("GET", "/%61%70%69/%6d%6f%64%65%6c%73", "0 /api/models"),
            ("GET", "/api%2Fmodels", nil),
            ("GET", "/api%2fmodels", nil),
            ("GET", "/api/models%2F", nil),
            ("GET", "/api/models;x=1", nil),
            ("GET", "/api;x=1/models", nil),
            ("GET", "/api/./models", nil),
            ("GET", "/api/%2e/models", nil),
            ("GET", "/x/../api/models", nil),
            ("GET", "/x/%2e%2e/api/models", nil),
            ("GET", "/v2/models/x/../../../api/models", nil),
            ("GET", "/v2/models/x%2f..%2f..%2fapi%2fmodels", "3 /v2/models/{m}"),
            ("GET", "/api\\models", nil),
            ("GET", "/api/models%00", nil),
            ("GET", "/api/models?x=/", "0 /api/models"),
            ("GET", "http://example.com/api/models", "0 /api/models"),
            ("GET", "HTTP://example.com/api/models", "0 /api/models"),
            ("GET", "http://example.com//api/models", nil),
            ("GET", "http://example.com/API/models", nil),
            ("HEAD", "/api/models", nil),
            ("POST", "/api/models/m/versions", "1 /api/models/{name}/versions"),
            ("POST", "/api/models/%2e%2e/versions", "1 /api/models/{name}/versions"),
            ("POST", "/api/models//versions", nil),
            ("POST", "http://h/api/models/m/versions", "1 /api/models/{name}/versions"),
            ("POST", "/v2/models/m/../../api/models/m/versions", nil),
        ]
        for (method, target, expected) in cases {
            let socket = try server.connect()
            try socket.send("\(method) \(target) HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            if method == "HEAD" {
                // HEAD runs the GET route (same route index); its answer has no body.
                let raw = try socket.receiveUntilClose()
                let end = try #require(BlockingHTTPClient.headEnd(raw))
                #expect(BlockingHTTPClient.parseHead(raw[0..<end])?.status == 200, "\(method) \(target)")
                continue
            }
            let response = try #require(try socket.readResponses(1).first, "\(method) \(target)")
            if let expected {
                #expect(response.status == 200, "\(method) \(target)")
                #expect(response.bodyText == expected, "\(method) \(target)")
            } else {
                #expect([400, 404, 405].contains(response.status), "\(method) \(target) answered \(response.status) \(response.bodyText)")
            }
        }
    }

    @Test func routeTableIndexesMatchRouteIndexAndKeepTags() throws {
        let router = Router()
        Self.routes(router)
        let responder = try router.buildResponder()
        let table = responder.routeTable
        #expect(table.map(\.template) == ["/api/models", "/api/models/{name}/versions", "/v2/models/{m}/infer", "/v2/models/{m}"])
        #expect(table[0].options.tags == ["scope:admin"])
        #expect(table[2].options.tags.isEmpty)
        var context = RequestContext(logger: .disabled(), requestID: "x")
        responder.resolve(method: .post, path: "/v2/models/a/infer", context: &context)
        #expect(context.routeIndex == 2)
        #expect(context.allowedMethods == nil)
        var other = RequestContext(logger: .disabled(), requestID: "y")
        responder.resolve(method: .delete, path: "/api/models", context: &other)
        #expect(other.routeIndex == nil)
        #expect(other.allowedMethods == [.get])
    }

    @Test func requestIDHeaderIsKeptOnlyWithASafeCharset() throws {
        let server = try TestServer { r in r.get("/id") { _, c in .text(c.requestID) } }
        defer { server.stop() }
        for (given, kept) in [("abc-123_X.y", true), (String(repeating: "a", count: 128), true), (String(repeating: "a", count: 129), false),
                              ("a b", false), ("a\"b", false), ("a/b", false), ("a{b}", false), ("é", false)] {
            let response = try BlockingHTTPClient.request(port: server.port, path: "/id", headers: [("X-Request-ID", given)])
            #expect((response.bodyText == given) == kept, "\(given)")
            if !kept { #expect(!response.bodyText.isEmpty) }
        }
    }
}

@Suite struct HeaderAndStorageTests {
    enum A: ContextStorageKey { typealias Value = Int }
    enum B: ContextStorageKey { typealias Value = String }
    enum C: ContextStorageKey { typealias Value = Bool }

    @Test func addedFieldsNeverSplitAResponse() {
        var headers = HTTPHeaders()
        headers.add(name: "X-Ok", value: "a\r\nInjected: yes\u{0}")
        headers.add(name: "Bad Name", value: "x")
        headers.add(name: "", value: "x")
        let raw: [UInt8] = Array("v\r\n".utf8)
        raw.withUnsafeBufferPointer { headers.add(name: "X-Bytes", valueBytes: $0) }
        #expect(headers.count == 2)
        #expect(headers["x-ok"] == "a  Injected: yes ")
        #expect(headers["X-Bytes"] == "v  ")
        var out: [UInt8] = []
        headers.write(to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "X-Ok: a  Injected: yes \r\nX-Bytes: v  \r\n")
    }

    @Test func storageKeepsEveryKeyThroughRemovals() {
        var storage = ContextStorage()
        #expect(storage[A.self] == nil)
        storage[A.self] = 1
        storage[B.self] = "b"
        storage[C.self] = true
        #expect(storage[A.self] == 1 && storage[B.self] == "b" && storage[C.self] == true)
        storage[A.self] = nil
        #expect(storage[A.self] == nil && storage[B.self] == "b" && storage[C.self] == true)
        storage[B.self] = "c"
        storage[A.self] = 2
        #expect(storage[A.self] == 2 && storage[B.self] == "c")
        storage[B.self] = nil
        storage[C.self] = nil
        #expect(storage[A.self] == 2 && storage[B.self] == nil && storage[C.self] == nil)
    }
}
