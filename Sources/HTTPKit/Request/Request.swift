/// An HTTP request as a handler sees it: head, decoded target parts, body, peer.
public struct Request: Sendable {
    /// The method, e.g. `.get`.
    public var method: HTTPMethod
    /// The request-target exactly as received (e.g. `/v1/models/a%20b:predict?x=1`).
    public var target: String
    /// The path of the target, still percent-encoded.
    public var path: String
    /// The query decoded into ordered pairs (empty when the target has none).
    public var query: QueryParameters
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    /// The body: bytes for ordinary routes, a stream for routes with `streamingBody`.
    public var body: RequestBody
    /// Trailer fields of a chunked body (kept apart from `headers`, RFC 9110 §6.5.1).
    public var trailers: HTTPHeaders
    /// The client's address, when the request came over a socket.
    public var remoteAddress: SocketAddress?

    /// Creates a request (for tests and tools; the server builds them from parsed heads).
    public init(
        method: HTTPMethod, target: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders = HTTPHeaders(),
        body: RequestBody = .bytes([]), trailers: HTTPHeaders = HTTPHeaders(), remoteAddress: SocketAddress? = nil
    ) {
        self.method = method
        self.target = target
        let (path, query) = Request.split(target)
        self.path = path
        self.query = query.map(QueryParameters.init(parsing:)) ?? QueryParameters()
        self.version = version
        self.headers = headers
        self.body = body
        self.trailers = trailers
        self.remoteAddress = remoteAddress
    }

    /// Creates a request from a parsed head.
    public init(head: RequestHead, body: RequestBody, trailers: HTTPHeaders = HTTPHeaders(), remoteAddress: SocketAddress? = nil) {
        method = head.method
        target = head.target
        path = head.path
        query = head.query.map(QueryParameters.init(parsing:)) ?? QueryParameters()
        version = head.version
        headers = head.headers
        self.body = body
        self.trailers = trailers
        self.remoteAddress = remoteAddress
    }

    /// The path split at `/` with each segment percent-decoded (`%2F` stays inside its segment).
    public var pathSegments: [String] { PercentDecoding.pathSegments(path) }

    static func split(_ target: String) -> (String, String?) {
        let utf8 = Array(target.utf8)
        let end = utf8.firstIndex(of: 0x23) ?? utf8.count
        guard let q = utf8[..<end].firstIndex(of: HTTPByte.question) else {
            return (String(decoding: utf8[..<end], as: UTF8.self), nil)
        }
        return (String(decoding: utf8[..<q], as: UTF8.self), String(decoding: utf8[(q + 1)..<end], as: UTF8.self))
    }
}

/// The body of a request.
public enum RequestBody: Sendable {
    /// The whole body, read before the handler ran.
    case bytes([UInt8])
    /// A body delivered while the handler runs (routes with `streamingBody`).
    case stream(RequestBodyStream)

    /// The whole body: the bytes, or everything read from the stream up to `limit`
    /// (a longer stream throws 413).
    public func collect(upTo limit: Int = .max) throws -> [UInt8] {
        switch self {
        case .bytes(let b):
            guard b.count <= limit else { throw HTTPError(.contentTooLarge, message: "request body too large") }
            return b
        case .stream(let s):
            var out: [UInt8] = []
            while let chunk = try s.read() {
                guard chunk.count <= limit - out.count else { throw HTTPError(.contentTooLarge, message: "request body too large") }
                out.append(contentsOf: chunk)
            }
            return out
        }
    }

    /// The bytes of a `.bytes` body; empty for a stream (use `collect` or read the stream).
    public var bytes: [UInt8] {
        if case .bytes(let b) = self { return b }
        return []
    }
}
