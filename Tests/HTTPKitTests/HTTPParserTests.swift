import Testing
@testable import HTTPKit

/// Accepted requests, each fed whole, byte by byte and in 7-byte pieces.
@Suite struct HTTPParserTests {
    @Test(arguments: Feed.allCases)
    func simpleGetKeepsFieldsInOrderWithDuplicates(feed: Feed) throws {
        let (requests, error) = parse("GET /v2/models?x=1 HTTP/1.1\r\nHost: a\r\nAccept: x\r\nX-Dup: 1\r\naccept: y\r\nX-Dup: 2\r\n\r\n", feed: feed)
        #expect(error == nil)
        let head = try #require(requests.first).head
        #expect(requests.count == 1)
        #expect(head.method == .get)
        #expect(head.target == "/v2/models?x=1")
        #expect(head.path == "/v2/models")
        #expect(head.query == "x=1")
        #expect(head.version == .http1_1)
        #expect(head.keepAlive)
        #expect(head.framing == .none)
        #expect(head.headers.count == 5)
        #expect(head.headers.name(at: 3) == "accept")
        #expect(head.headers["ACCEPT"] == "x")
        #expect(head.headers.values(for: "x-dup") == ["1", "2"])
        #expect(head.headers.values(for: "Accept") == ["x", "y"])
        #expect(head.headers["missing"] == nil)
    }

    @Test(arguments: Feed.allCases)
    func fieldValuesAreTrimmedOfOptionalWhitespace(feed: Feed) throws {
        let (requests, _) = parse("GET / HTTP/1.1\r\nHost: a\r\nX-A: \t  spaced value \t\r\nX-Empty:\r\n\r\n", feed: feed)
        let head = try #require(requests.first).head
        #expect(head.headers["x-a"] == "spaced value")
        #expect(head.headers["x-empty"] == "")
    }

    @Test(arguments: Feed.allCases)
    func absoluteFormTargetGivesPathAndQuery(feed: Feed) throws {
        let (requests, error) = parse("GET http://example.com:8080/a/b?c=d HTTP/1.1\r\nHost: example.com:8080\r\n\r\n", feed: feed)
        #expect(error == nil)
        let head = try #require(requests.first).head
        #expect(head.path == "/a/b")
        #expect(head.query == "c=d")
        let (bare, _) = parse("GET HTTPS://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n", feed: feed)
        #expect(bare.first?.head.path == "/")
    }

    @Test func asteriskFormOnlyForOptions() throws {
        let (ok, _) = parse("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", feed: .whole)
        #expect(ok.first?.head.path == "*")
        let (_, error) = parse("GET * HTTP/1.1\r\nHost: a\r\n\r\n", feed: .whole)
        #expect(error == .invalidTarget)
    }

    @Test(arguments: Feed.allCases)
    func contentLengthBody(feed: Feed) throws {
        let (requests, error) = parse("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world", feed: feed)
        #expect(error == nil)
        let request = try #require(requests.first)
        #expect(request.head.framing == .length(11))
        #expect(request.bodyText == "hello world")
    }

    @Test(arguments: Feed.allCases)
    func identicalRepeatedContentLengthsAreOneLength(feed: Feed) throws {
        let (requests, error) = parse("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc", feed: feed)
        #expect(error == nil)
        #expect(requests.first?.bodyText == "abc")
    }

    @Test(arguments: Feed.allCases)
    func chunkedBodyWithExtensionsAndTrailers(feed: Feed) throws {
        let text = "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value;flag\r\nhello\r\n"
            + "6 ; quoted=\"a \\\"b\\\" c\"\r\n world\r\n"
            + "0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n"
        let (requests, error) = parse(text, feed: feed)
        #expect(error == nil)
        let request = try #require(requests.first)
        #expect(request.head.framing == .chunked)
        #expect(request.bodyText == "hello world")
        #expect(request.trailers["x-checksum"] == "abc")
        #expect(request.trailers.count == 2)
        #expect(request.head.headers["x-checksum"] == nil)
    }

    @Test(arguments: Feed.allCases)
    func chunkSizesAreHexAndMayHaveLeadingZeros(feed: Feed) throws {
        let body = String(repeating: "z", count: 26)
        let (requests, error) = parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n001A\r\n\(body)\r\n0\r\n\r\n", feed: feed)
        #expect(error == nil)
        #expect(requests.first?.body.count == 26)
    }

    @Test(arguments: Feed.allCases)
    func persistenceRulesOfHTTP10And11(feed: Feed) throws {
        let cases: [(String, Bool)] = [
            ("GET / HTTP/1.1\r\nHost: a\r\n\r\n", true),
            ("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", false),
            ("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, CLOSE\r\n\r\n", false),
            ("GET / HTTP/1.0\r\n\r\n", false),
            ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
            ("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true),
        ]
        for (text, keepAlive) in cases {
            let (requests, error) = parse(text, feed: feed)
            #expect(error == nil, "\(text)")
            #expect(requests.first?.head.keepAlive == keepAlive, "\(text)")
        }
    }

    @Test(arguments: Feed.allCases)
    func pipelinedRequestsComeOutInOrder(feed: Feed) throws {
        let text = "GET /one HTTP/1.1\r\nHost: a\r\n\r\n"
            + "POST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
            + "PUT /three HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\n"
            + "DELETE /four HTTP/1.1\r\nHost: a\r\n\r\n"
        let (requests, error) = parse(text, feed: feed)
        #expect(error == nil)
        #expect(requests.map(\.head.path) == ["/one", "/two", "/three", "/four"])
        #expect(requests.map(\.head.method) == [.get, .post, .put, .delete])
        #expect(requests.map(\.bodyText) == ["", "abc", "xy", ""])
    }

    @Test(arguments: Feed.allCases)
    func expectContinueIsReportedForHTTP11Only(feed: Feed) throws {
        let (r11, _) = parse("PUT /u HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx", feed: feed)
        #expect(r11.first?.head.expectsContinue == true)
        let (r10, _) = parse("PUT /u HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx", feed: feed)
        #expect(r10.first?.head.expectsContinue == false)
    }

    @Test(arguments: Feed.allCases)
    func leadingEmptyLinesAndBareLFAreTolerated(feed: Feed) throws {
        // RFC 9112 §2.2: ignore empty lines before the request-line; a lone LF may end a line.
        let (requests, error) = parse("\r\n\r\nGET /a HTTP/1.1\nHost: a\n\nGET /b HTTP/1.1\r\nHost: b\r\n\r\n", feed: feed)
        #expect(error == nil)
        #expect(requests.map(\.head.path) == ["/a", "/b"])
    }

    @Test func extensionMethodsAreKept() throws {
        let (requests, error) = parse("PURGE /cache HTTP/1.1\r\nHost: a\r\n\r\n", feed: .whole)
        #expect(error == nil)
        #expect(requests.first?.head.method == .other("PURGE"))
    }

    @Test func exactlyTheFieldLimitIsAccepted() throws {
        var text = "GET / HTTP/1.1\r\nHost: a\r\n"
        for i in 1..<100 { text += "X-\(i): v\r\n" }
        let (requests, error) = parse(text + "\r\n", feed: .whole)
        #expect(error == nil)
        #expect(requests.first?.head.headers.count == 100)
    }

    @Test func queryStringIsDecodedInOrder() throws {
        let query = QueryParameters(parsing: "a=1&b=two+words&a=%7E%20x&flag&empty=&=v&bad=%zz&&c=%E2%82%AC")
        #expect(query.values(for: "a") == ["1", "~ x"])
        #expect(query["b"] == "two words")
        #expect(query["flag"] == "")
        #expect(query["empty"] == "")
        #expect(query[""] == "v")
        #expect(query["bad"] == "%zz")
        #expect(query["c"] == "€")
        #expect(query.pairs.map(\.name) == ["a", "b", "a", "flag", "empty", "", "bad", "c"])
    }

    @Test func pathSegmentsArePercentDecodedOneByOne() throws {
        let (requests, _) = parse("GET /v1/models/a%2Fb%20c:predict?q=1 HTTP/1.1\r\nHost: a\r\n\r\n", feed: .whole)
        let head = try #require(requests.first).head
        let request = Request(head: head, body: .bytes([]))
        #expect(request.pathSegments == ["v1", "models", "a/b c:predict"])
        #expect(request.query["q"] == "1")
        #expect(Request(method: .get, target: "/").pathSegments == [])
        #expect(Request(method: .get, target: "/a/").pathSegments == ["a", ""])
    }
}
