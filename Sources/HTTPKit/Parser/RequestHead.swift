/// The parsed head of a request: request line, header fields and what they imply.
public struct RequestHead: Sendable {
    /// How the body of a request is delimited (RFC 9112 §6.3).
    public enum Framing: Sendable, Equatable {
        /// No body (no `Content-Length`, no `Transfer-Encoding`).
        case none
        /// A body of exactly this many bytes.
        case length(Int)
        /// A chunked body of unknown length.
        case chunked
    }

    public var method: HTTPMethod
    /// The request-target exactly as received.
    public var target: String
    /// The path of the target, still percent-encoded; `*` for asterisk-form.
    public var path: String
    /// The query of the target without `?`, still encoded; nil when there is none.
    public var query: String?
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var framing: Framing
    /// Whether the client lets the connection persist after this exchange (RFC 9112 §9.3).
    public var keepAlive: Bool
    /// Whether the client sent `Expect: 100-continue` (RFC 9110 §10.1.1).
    public var expectsContinue: Bool

    public init(
        method: HTTPMethod, target: String, path: String, query: String?, version: HTTPVersion,
        headers: HTTPHeaders, framing: Framing = .none, keepAlive: Bool = true, expectsContinue: Bool = false
    ) {
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.framing = framing
        self.keepAlive = keepAlive
        self.expectsContinue = expectsContinue
    }

    /// True when a body follows the head.
    public var hasBody: Bool {
        switch framing {
        case .none: false
        case .length(let n): n > 0
        case .chunked: true
        }
    }
}
