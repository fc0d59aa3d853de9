/// An HTTP response: status, header fields and a body.
///
/// The server adds `Content-Length` (or `Transfer-Encoding: chunked` for streams), `Date`
/// and `Connection` itself; a handler that sets `Connection: close` closes the connection
/// after the response.
public struct Response: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: ResponseBody

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: ResponseBody = .empty) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response with `Content-Type: application/json`.
    public static func json(bytes: [UInt8], status: HTTPStatus = .ok) -> Response {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        return Response(status: status, headers: headers, body: .bytes(bytes))
    }

    /// A JSON response built with a `JSONWriter`.
    public static func json(status: HTTPStatus = .ok, _ build: (inout JSONWriter) -> Void) -> Response {
        var writer = JSONWriter()
        build(&writer)
        return json(bytes: writer.bytes, status: status)
    }

    /// A `text/plain; charset=utf-8` response.
    public static func text(_ text: String, status: HTTPStatus = .ok) -> Response {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        return Response(status: status, headers: headers, body: .bytes(Array(text.utf8)))
    }

    /// The `{"error": message}` body used by the V1/V2 protocols and 404/405.
    public static func jsonError(_ message: String, status: HTTPStatus, headers extra: HTTPHeaders = HTTPHeaders()) -> Response {
        var response = json(status: status) { w in
            w.beginObject()
            w.key("error")
            w.string(message)
            w.endObject()
        }
        for (name, value) in extra { response.headers.add(name: name, value: value) }
        return response
    }
}

/// The body of a response.
public enum ResponseBody: Sendable {
    /// No content.
    case empty
    /// Content sent with `Content-Length`.
    case bytes([UInt8])
    /// Content produced piece by piece, sent with chunked transfer coding (HTTP/1.1) or
    /// delimited by closing the connection (HTTP/1.0). The producer runs on a worker
    /// thread; `write` blocks while the client is slow to read (back-pressure).
    case stream(@Sendable (any ResponseBodyWriter) throws -> Void)

    /// The byte count for `Content-Length`, or nil for a stream.
    public var knownLength: Int? {
        switch self {
        case .empty: 0
        case .bytes(let b): b.count
        case .stream: nil
        }
    }
}

/// Where a streaming response body is written to.
public protocol ResponseBodyWriter: Sendable {
    /// Sends `bytes` as the next piece of the body; throws when the client went away.
    func write(_ bytes: [UInt8]) throws
}
