import Testing
@testable import HTTPKit

/// gzip and deflate request bodies and compressed answers (RFC 9110 §8.4, §12.5.3), as
/// Triton's clients send and ask for them.
@Suite struct ContentCodingTests {
    static let text = Array("hello, world\n".utf8)
    // Python: gzip.compress(b"hello, world\n", mtime=0), zlib.compress(...), and a raw
    // deflate stream (zlib.compressobj(6, DEFLATED, -15)).
    static let gzipped: [UInt8] = [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0xd7, 0x51,
                                   0x28, 0xcf, 0x2f, 0xca, 0x49, 0xe1, 0x02, 0x00, 0x53, 0x74, 0x24, 0xf4, 0x0d, 0x00, 0x00, 0x00]
    static let zlibbed: [UInt8] = [0x78, 0x9c, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0xd7, 0x51, 0x28, 0xcf, 0x2f, 0xca, 0x49, 0xe1, 0x02, 0x00,
                                   0x21, 0xe7, 0x04, 0x93]
    static let rawDeflate: [UInt8] = [0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0xd7, 0x51, 0x28, 0xcf, 0x2f, 0xca, 0x49, 0xe1, 0x02, 0x00]

    @Test func decodesWhatOtherImplementationsWrote() throws {
        #expect(try ContentCoding.gzip.decode(Self.gzipped, limit: 100) == Self.text)
        #expect(try ContentCoding.deflate.decode(Self.zlibbed, limit: 100) == Self.text)
        #expect(try ContentCoding.deflate.decode(Self.rawDeflate, limit: 100) == Self.text, "deflate without the zlib wrapper")
        #expect(try ContentCoding.gzip.decode(Self.gzipped + Self.gzipped, limit: 100) == Self.text + Self.text, "two gzip members")
        #expect(try ContentCoding.gzip.decode([], limit: 100) == [])
    }

    @Test func roundTripsSmallLargeAndIncompressibleBodies() throws {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<200_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let repetitive = Array(String(repeating: "[0.125, 1.5, -3.25],", count: 20_000).utf8)
        for coding in ContentCoding.allCases {
            for body in [[UInt8](), [42], Self.text, random, repetitive] {
                let encoded = try #require(coding.encode(body))
                #expect(try coding.decode(encoded, limit: body.count) == body, "\(coding) of \(body.count) bytes")
            }
            #expect(try #require(coding.encode(repetitive)).count < repetitive.count / 50)
        }
        // Two codings applied in turn are undone in reverse order.
        let once = try #require(ContentCoding.gzip.encode(repetitive))
        let twice = try #require(ContentCoding.deflate.encode(once))
        #expect(try ContentCoding.decode(twice, codings: [.gzip, .deflate], limit: repetitive.count) == repetitive)
    }

    @Test func damagedTruncatedAndTrailingDataAre400() {
        var damaged = Self.gzipped
        damaged[12] ^= 0xFF
        for (coding, bytes) in [(ContentCoding.gzip, damaged), (.gzip, Array(Self.gzipped.dropLast(5))), (.gzip, Self.text),
                                (.deflate, Array(Self.zlibbed.dropLast(3))), (.gzip, Self.gzipped + [1, 2, 3]),
                                (.deflate, Self.zlibbed + [0])] {
            #expect(throws: ContentCodingError.self) { try coding.decode(bytes, limit: 1000) }
            do {
                _ = try coding.decode(bytes, limit: 1000)
            } catch {
                #expect(error.status == .badRequest, "\(error)")
            }
        }
    }

    @Test func aBombStopsAtTheLimit() throws {
        let zeros = [UInt8](repeating: 0, count: 10 << 20)
        let bomb = try #require(ContentCoding.gzip.encode(zeros, level: 9))
        #expect(bomb.count < 20_000)
        #expect(throws: ContentCodingError.tooLarge(1 << 20)) { try ContentCoding.gzip.decode(bomb, limit: 1 << 20) }
        #expect(try ContentCoding.gzip.decode(bomb, limit: zeros.count).count == zeros.count, "exactly the limit passes")
        #expect(throws: ContentCodingError.tooLarge(zeros.count - 1)) { try ContentCoding.gzip.decode(bomb, limit: zeros.count - 1) }
    }

    @Test func contentEncodingLists() throws {
        #expect(try ContentCoding.codings(contentEncoding: "gzip") == [.gzip])
        #expect(try ContentCoding.codings(contentEncoding: "X-GZIP") == [.gzip])
        #expect(try ContentCoding.codings(contentEncoding: " deflate , gzip ") == [.deflate, .gzip])
        #expect(try ContentCoding.codings(contentEncoding: "identity") == [])
        #expect(try ContentCoding.codings(contentEncoding: "") == [])
        #expect(throws: ContentCodingError.unsupported("br")) { try ContentCoding.codings(contentEncoding: "gzip, br") }
    }

    @Test func acceptEncodingNegotiation() {
        func preferred(_ values: String...) -> ContentCoding? { ContentCoding.preferred(acceptEncoding: values) }
        #expect(preferred("gzip, deflate") == .gzip)
        #expect(preferred("deflate") == .deflate)
        #expect(preferred("deflate;q=1, gzip;q=0.5") == .deflate)
        #expect(preferred("gzip;q=0") == nil)
        #expect(preferred("GZIP ; Q=0.3") == .gzip)
        #expect(preferred("identity") == nil)
        #expect(preferred("br, zstd") == nil)
        #expect(preferred("*") == .gzip)
        #expect(preferred("*, gzip;q=0") == .deflate)
        #expect(preferred("*;q=0") == nil)
        #expect(preferred("br", "deflate") == .deflate, "several field lines")
        #expect(preferred("gzip;q=abc") == nil, "an unreadable weight is not a yes")
    }

    // MARK: The responder

    static func harness() throws -> (ContentCodingResponder<RouterResponder>, InMemoryLogHandler) {
        let router = Router()
        router.post("/echo") { request, _ in
            guard case .bytes(let body) = request.body else { return .text("stream") }
            let encoding = request.headers["Content-Encoding"] ?? "-"
            return .text("\(body.count) \(encoding) \(String(decoding: body.prefix(20), as: UTF8.self))")
        }
        router.post("/small", options: RouteOptions(maxBodySize: 1000)) { request, _ in
            guard case .bytes(let body) = request.body else { return .text("stream") }
            return .text("\(body.count)")
        }
        router.post("/upload", options: RouteOptions(streamingBody: true)) { _, _ in .text("stored") }
        router.get("/big") { _, _ in .text(String(repeating: "abcdefgh", count: 1000)) }
        router.get("/tiny") { _, _ in .text("tiny") }
        router.get("/nothing") { _, _ in Response(status: .noContent) }
        return (ContentCodingResponder(inner: try router.buildResponder(), serverBodyLimit: 1 << 20), InMemoryLogHandler())
    }

    static func send(_ responder: ContentCodingResponder<RouterResponder>, _ method: HTTPMethod, _ path: String,
                     headers: HTTPHeaders = [:], body: RequestBody = .bytes([])) -> (Response, RouteOptions) {
        let request = Request(method: method, target: path, headers: headers, body: body)
        let head = RequestHead(method: method, target: path, path: path, query: nil, version: .http1_1, headers: headers)
        var context = RequestContext(logger: .disabled(), requestID: "x")
        let options = responder.prepare(head, context: &context)
        return (responder.respond(to: request, context: &context), options)
    }

    @Test func codedBodiesReachTheRouteDecodedOffTheLoop() throws {
        let (responder, _) = try Self.harness()
        let (plain, plainOptions) = Self.send(responder, .post, "/echo", body: .bytes(Self.text))
        #expect(plain.bodyText == "13 - hello, world\n" && !plainOptions.offload)
        for (coding, bytes) in [("gzip", Self.gzipped), ("deflate", Self.zlibbed), ("identity", Self.text)] {
            let (response, options) = Self.send(responder, .post, "/echo", headers: ["Content-Encoding": coding], body: .bytes(bytes))
            #expect(response.status == .ok && response.bodyText == "13 - hello, world\n", "\(coding): \(response.bodyText)")
            #expect(options.offload, "inflating runs on the worker pool")
        }
        let (unknown, _) = Self.send(responder, .post, "/echo", headers: ["Content-Encoding": "br"], body: .bytes(Self.text))
        #expect(unknown.status == .unsupportedMediaType && unknown.headers["Accept-Encoding"] == "gzip, deflate")
        let (damaged, _) = Self.send(responder, .post, "/echo", headers: ["Content-Encoding": "gzip"], body: .bytes(Self.text))
        #expect(damaged.status == .badRequest && damaged.bodyText.contains("not valid gzip data"))
        // The route's own body limit bounds the decoded size.
        let big = try #require(ContentCoding.gzip.encode([UInt8](repeating: 65, count: 5000)))
        #expect(Self.send(responder, .post, "/small", headers: ["Content-Encoding": "gzip"], body: .bytes(big)).0.status == .contentTooLarge)
        #expect(Self.send(responder, .post, "/echo", headers: ["Content-Encoding": "gzip"], body: .bytes(big)).0.bodyText.hasPrefix("5000 - AAAA"))
        // A streamed upload is not stored compressed: refused, with what to do.
        let stream = RequestBodyStream(bytes: Self.gzipped)
        let (upload, _) = Self.send(responder, .post, "/upload", headers: ["Content-Encoding": "gzip"], body: .stream(stream))
        #expect(upload.status == .unsupportedMediaType && upload.bodyText.contains("uncompressed"))
        // No route: the 404 wins over the coding.
        #expect(Self.send(responder, .post, "/none", headers: ["Content-Encoding": "br"], body: .bytes(Self.text)).0.status == .notFound)
    }

    @Test func answersAreCompressedWhenAskedAndWorthIt() throws {
        let (responder, _) = try Self.harness()
        let expected = Array(String(repeating: "abcdefgh", count: 1000).utf8)
        for (accept, coding) in [("gzip, deflate", ContentCoding.gzip), ("deflate", .deflate), ("gzip;q=0.2, deflate;q=0.9", .deflate)] {
            let (response, _) = Self.send(responder, .get, "/big", headers: ["Accept-Encoding": accept])
            #expect(response.headers["Content-Encoding"] == coding.rawValue && response.headers["Vary"] == "Accept-Encoding")
            guard case .bytes(let body) = response.body else { Issue.record("no bytes"); continue }
            #expect(body.count < expected.count / 10)
            #expect(try coding.decode(body, limit: expected.count) == expected)
        }
        let (unasked, _) = Self.send(responder, .get, "/big")
        #expect(unasked.headers["Content-Encoding"] == nil && unasked.bodyText.utf8.count == expected.count)
        let (refused, _) = Self.send(responder, .get, "/big", headers: ["Accept-Encoding": "br, gzip;q=0"])
        #expect(refused.headers["Content-Encoding"] == nil && refused.headers["Vary"] == "Accept-Encoding")
        let (tiny, _) = Self.send(responder, .get, "/tiny", headers: ["Accept-Encoding": "gzip"])
        #expect(tiny.headers["Content-Encoding"] == nil && tiny.bodyText == "tiny")
        let (empty, _) = Self.send(responder, .get, "/nothing", headers: ["Accept-Encoding": "gzip"])
        #expect(empty.status == .noContent && empty.headers["Content-Encoding"] == nil)
    }
}
