import Testing
@testable import HTTPKit

/// Every rejection class of issue 2, each fed whole, byte by byte and in 7-byte pieces:
/// the error and the status the server answers with (always followed by a close).
@Suite struct HTTPParserRejectionTests {
    static let host = "Host: a\r\n"

    func expectRejected(_ text: String, _ expected: HTTPParserError, status: Int, limits: HTTPLimits = HTTPLimits(),
                        sourceLocation: SourceLocation = #_sourceLocation) {
        for feed in Feed.allCases {
            let (_, error) = parse(text, feed: feed, limits: limits)
            #expect(error == expected, "\(feed)", sourceLocation: sourceLocation)
            #expect(error?.status.code == status, "\(feed)", sourceLocation: sourceLocation)
        }
    }

    // MARK: Request smuggling vectors (400)

    @Test func transferEncodingWithContentLength() {
        expectRejected("POST / HTTP/1.1\r\n\(Self.host)Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                       .contentLengthWithTransferEncoding, status: 400)
        expectRejected("POST / HTTP/1.1\r\n\(Self.host)Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc",
                       .contentLengthWithTransferEncoding, status: 400)
    }

    @Test func differingContentLengths() {
        expectRejected("POST / HTTP/1.1\r\n\(Self.host)Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", .differentContentLengths, status: 400)
        expectRejected("POST / HTTP/1.1\r\n\(Self.host)Content-Length: 3, 4\r\n\r\nabcd", .differentContentLengths, status: 400)
    }

    @Test(arguments: ["abc", "-1", "+3", "3 4", "0x10", "", "1234567890123456789012", "3,", ",3", "3,,3"])
    func invalidContentLength(value: String) {
        let (_, error) = parse("POST / HTTP/1.1\r\n\(Self.host)Content-Length: \(value)\r\n\r\n", feed: .whole)
        #expect(error == .invalidContentLength, "\(value)")
    }

    @Test(arguments: ["chunked, gzip", "gzip", "identity", "chunked, chunked", "xchunked", "chunked;q=1", "gzip, chunked", ""])
    func transferCodingOtherThanFinalChunked(coding: String) {
        expectRejected("POST / HTTP/1.1\r\n\(Self.host)Transfer-Encoding: \(coding)\r\n\r\n0\r\n\r\n", .unsupportedTransferCoding, status: 400)
    }

    @Test func chunkedInSecondTransferEncodingLineIsNotFinalIfThirdFollows() {
        expectRejected("POST / HTTP/1.1\r\n\(Self.host)Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n0\r\n\r\n",
                       .unsupportedTransferCoding, status: 400)
    }

    @Test func transferEncodingInHTTP10() {
        expectRejected("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .transferEncodingInHTTP10, status: 400)
    }

    @Test(arguments: ["zz", "", "-1", " 5", "FFFFFFFFFFFFFFFFFF", "5 x", "0x5"])
    func badChunkSizes(size: String) {
        let text = "POST / HTTP/1.1\r\n\(Self.host)Transfer-Encoding: chunked\r\n\r\n\(size)\r\nhello\r\n0\r\n\r\n"
        for feed in Feed.allCases {
            let (_, error) = parse(text, feed: feed)
            #expect(error == .invalidChunkSize || error == .invalidChunkExtension, "\(size) \(feed)")
            #expect(error?.status.code == 400)
        }
    }

    @Test func chunkDataMustEndWithCRLF() {
        expectRejected("POST / HTTP/1.1\r\n\(Self.host)Transfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n", .invalidChunkTerminator, status: 400)
    }

    @Test func bareCRInChunkExtension() {
        expectRejected("POST / HTTP/1.1\r\n\(Self.host)Transfer-Encoding: chunked\r\n\r\n3;a\rb\r\nabc\r\n0\r\n\r\n", .invalidChunkExtension, status: 400)
    }

    @Test func obsFold() {
        expectRejected("GET / HTTP/1.1\r\n\(Self.host)X-A: one\r\n two\r\n\r\n", .obsFold, status: 400)
        expectRejected("GET / HTTP/1.1\r\n\(Self.host)X-A: one\r\n\ttwo\r\n\r\n", .obsFold, status: 400)
    }

    @Test func whitespaceBeforeColon() {
        expectRejected("GET / HTTP/1.1\r\n\(Self.host)Content-Length : 0\r\n\r\n", .whitespaceBeforeColon, status: 400)
        expectRejected("GET / HTTP/1.1\r\n\(Self.host)X-A\t: 0\r\n\r\n", .whitespaceBeforeColon, status: 400)
    }

    @Test func bareCR() {
        expectRejected("GET / HTTP/1.1\r\n\(Self.host)X-A: a\rb\r\n\r\n", .bareCR, status: 400)
        expectRejected("GET / HTTP/1.1\r\n\(Self.host)X-A: ab\r\r\n\r\n", .bareCR, status: 400)
        expectRejected("GET /\r HTTP/1.1\r\n\(Self.host)\r\n", .bareCR, status: 400)
        expectRejected("\rGET / HTTP/1.1\r\n\(Self.host)\r\n", .bareCR, status: 400)
    }

    @Test(arguments: ["X@Y: 1", "X Y: 1", "X(Y): 1", ": empty-name", "NoColon", "X-\u{00E9}: 1", "X\u{7F}: 1"])
    func invalidFieldNames(line: String) {
        let (_, error) = parse("GET / HTTP/1.1\r\n\(Self.host)\(line)\r\n\r\n", feed: .whole)
        #expect(error == .invalidFieldName || error == .whitespaceBeforeColon, "\(line)")
        #expect(error?.status.code == 400)
    }

    @Test(arguments: ["a\u{0}b", "a\u{7F}b", "a\u{1B}b", "a\u{0B}b"])
    func invalidFieldValueCharacters(value: String) {
        expectRejected("GET / HTTP/1.1\r\n\(Self.host)X-A: \(value)\r\n\r\n", .invalidFieldValue, status: 400)
    }

    @Test(arguments: ["G(T", "GE\"T", "GET\u{1}", "G\u{E9}T"])
    func invalidMethodTokens(method: String) {
        let (_, error) = parse("\(method) / HTTP/1.1\r\n\(Self.host)\r\n", feed: .whole)
        #expect(error?.status.code == 400, "\(method)")
    }

    @Test(arguments: ["GET  / HTTP/1.1", "GET / HTTP/1.1 ", "GET /", "GET / HTTP/1.1 extra", " GET / HTTP/1.1", "GET /a\u{7F} HTTP/1.1", "GET a HTTP/1.1"])
    func malformedRequestLines(line: String) {
        let (_, error) = parse("\(line)\r\n\(Self.host)\r\n", feed: .whole)
        #expect(error?.status.code == 400, "\(line)")
    }

    @Test func invalidPercentEncodingInPath() {
        expectRejected("GET /a%zz HTTP/1.1\r\n\(Self.host)\r\n", .invalidPercentEncoding, status: 400)
        expectRejected("GET /a%4 HTTP/1.1\r\n\(Self.host)\r\n", .invalidPercentEncoding, status: 400)
    }

    @Test func hostIsRequiredOnceInHTTP11() {
        expectRejected("GET / HTTP/1.1\r\n\r\n", .missingHost, status: 400)
        expectRejected("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", .invalidHost, status: 400)
        expectRejected("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", .invalidHost, status: 400)
        let (ok, error) = parse("GET / HTTP/1.0\r\n\r\n", feed: .whole)
        #expect(error == nil && ok.count == 1)
    }

    // MARK: Versions (505 / 400)

    @Test(arguments: ["HTTP/2.0", "HTTP/1.2", "HTTP/0.9", "HTTP/3.0"])
    func unsupportedVersions(version: String) {
        expectRejected("GET / \(version)\r\n\(Self.host)\r\n", .unsupportedVersion, status: 505)
    }

    @Test(arguments: ["http/1.1", "HTTP/1.10", "HTTP/11", "HTTP/1.x", "HTTPS/1.1"])
    func malformedVersions(version: String) {
        expectRejected("GET / \(version)\r\n\(Self.host)\r\n", .invalidVersion, status: 400)
    }

    // MARK: Sizes (414, 431, 413)

    @Test func targetLongerThan8KiB() {
        let long = "/" + String(repeating: "a", count: 8 * 1024)
        expectRejected("GET \(long) HTTP/1.1\r\n\(Self.host)\r\n", .targetTooLong, status: 414)
        let fits = "/" + String(repeating: "a", count: 8 * 1024 - 1)
        let (ok, error) = parse("GET \(fits) HTTP/1.1\r\n\(Self.host)\r\n", feed: .whole)
        #expect(error == nil && ok.count == 1)
    }

    @Test func targetThatNeverEndsIs414BeforeTheLineEnds() {
        let (_, error) = parse("GET /" + String(repeating: "a", count: 20_000), feed: .whole)
        #expect(error == .targetTooLong)
    }

    @Test func headLargerThan64KiB() {
        let big = String(repeating: "v", count: 8000)
        var text = "GET / HTTP/1.1\r\n\(Self.host)"
        for i in 0..<9 { text += "X-\(i): \(big)\r\n" }
        expectRejected(text + "\r\n", .headTooLarge, status: 431)
        // Without the end of the head: rejected as soon as it outgrows the limit.
        let (_, error) = parse(text, feed: .whole)
        #expect(error == .headTooLarge)
    }

    @Test func moreThan100Fields() {
        var text = "GET / HTTP/1.1\r\n\(Self.host)"
        for i in 0..<100 { text += "X-\(i): v\r\n" }
        expectRejected(text + "\r\n", .tooManyFields, status: 431)
    }

    @Test func limitsAreConfigurable() {
        let limits = HTTPLimits(maxRequestTargetLength: 16, maxHeadSize: 256, maxHeaderFieldCount: 2, maxBodySize: 4)
        expectRejected("GET /0123456789abcdefg HTTP/1.1\r\n\(Self.host)\r\n", .targetTooLong, status: 414, limits: limits)
        expectRejected("GET / HTTP/1.1\r\n\(Self.host)A: 1\r\nB: 2\r\n\r\n", .tooManyFields, status: 431, limits: limits)
        expectRejected("POST / HTTP/1.1\r\n\(Self.host)Content-Length: 5\r\n\r\n12345", .bodyTooLarge, status: 413, limits: limits)
    }

    @Test func bodyOverTheDefault64MiB() {
        expectRejected("POST / HTTP/1.1\r\n\(Self.host)Content-Length: \(64 * 1024 * 1024 + 1)\r\n\r\n", .bodyTooLarge, status: 413)
        let (_, chunked) = parse("POST / HTTP/1.1\r\n\(Self.host)Transfer-Encoding: chunked\r\n\r\n4000001\r\n", feed: .whole)
        #expect(chunked == .bodyTooLarge)
    }

    @Test func chunkedBodyOverARouteLimitCountsEveryChunk() {
        let text = "POST / HTTP/1.1\r\n\(Self.host)Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n"
        for feed in Feed.allCases {
            let (_, error) = parse(text, feed: feed, bodyLimit: 5)
            #expect(error == .bodyTooLarge)
            let (ok, none) = parse(text, feed: feed, bodyLimit: 6)
            #expect(none == nil && ok.first?.bodyText == "abcdef")
        }
    }

    @Test func unsupportedExpectation() {
        expectRejected("PUT / HTTP/1.1\r\n\(Self.host)Expect: 200-ok\r\nContent-Length: 1\r\n\r\nx", .unsupportedExpectation, status: 417)
    }

    @Test func trailersAreValidatedLikeHeaders() {
        expectRejected("POST / HTTP/1.1\r\n\(Self.host)Transfer-Encoding: chunked\r\n\r\n0\r\nX-A : b\r\n\r\n", .whitespaceBeforeColon, status: 400)
    }

    @Test func parserStaysFailedAfterAnError() throws {
        var parser = HTTPRequestParser()
        #expect(throws: HTTPParserError.obsFold) { try parser.parse(Array("GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n".utf8)) }
        #expect(throws: HTTPParserError.obsFold) { try parser.parse(Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8)) }
    }
}

/// The outcome never depends on how the bytes are split (a regression found by the fuzzer:
/// a request line exactly at its limit, whose CR arrived before its LF).
@Suite struct HTTPParserSplitIndependenceTests {
    static let small = HTTPLimits(maxRequestTargetLength: 64, maxHeadSize: 256, maxHeaderFieldCount: 4, maxBodySize: 64, maxChunkLineLength: 32)

    static let inputs: [String] = [
        "GET /" + String(repeating: "a", count: 114) + " HTTP/1.1\r\nHost: a\r\n\r\n",   // line of 128 bytes: the limit
        "GET /" + String(repeating: "a", count: 115) + " HTTP/1.1\r\nHost: a\r\n\r\n",   // one more
        "EHTTP/1.1\r" + String(repeating: " ", count: 118) + "\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + String(repeating: "X-T: \(String(repeating: "v", count: 40))\r\n", count: 4) + "\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;" + String(repeating: "e", count: 28) + "\r\nx\r\n0\r\n\r\n",
        // Too many fields and too large at once: the line whose end passes the size limit
        // is also the one over the field count; size is checked first either way.
        "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: " + String(repeating: "5", count: 250) + "\r\n\r\n",
    ]

    @Test(arguments: inputs)
    func sameOutcomeWholeAndInPieces(input: String) {
        let whole = parse(input, feed: .whole, limits: Self.small)
        for feed in [Feed.byteByByte, .sevenBytes] {
            let split = parse(input, feed: feed, limits: Self.small)
            #expect(split.error == whole.error, "\(feed)")
            #expect(split.requests.map(\.body) == whole.requests.map(\.body), "\(feed)")
            #expect(split.requests.map(\.head.target) == whole.requests.map(\.head.target), "\(feed)")
        }
    }
}
