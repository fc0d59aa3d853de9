/// An HTTP request method (RFC 9110 §9).
///
/// The registered methods are cases; any other valid token is kept as `.other` so a
/// router can answer 405 with `Allow` instead of the parser rejecting it.
public enum HTTPMethod: Hashable, Sendable, CustomStringConvertible {
    case get, head, post, put, delete, patch, options, trace, connect
    case other(String)

    /// Creates a method from its token, e.g. `"GET"` (case-sensitive, RFC 9110 §9.1).
    public init(_ token: String) {
        switch token {
        case "GET": self = .get
        case "HEAD": self = .head
        case "POST": self = .post
        case "PUT": self = .put
        case "DELETE": self = .delete
        case "PATCH": self = .patch
        case "OPTIONS": self = .options
        case "TRACE": self = .trace
        case "CONNECT": self = .connect
        default: self = .other(token)
        }
    }

    /// Creates a method from the bytes of a request line; the bytes must be a valid token.
    @inlinable
    init(bytes p: UnsafeRawBufferPointer) {
        // Fast path on length first: no String is made for the registered methods.
        switch p.count {
        case 3:
            if p[0] == 0x47, p[1] == 0x45, p[2] == 0x54 { self = .get; return }  // GET
            if p[0] == 0x50, p[1] == 0x55, p[2] == 0x54 { self = .put; return }  // PUT
        case 4:
            if p[0] == 0x50, p[1] == 0x4F, p[2] == 0x53, p[3] == 0x54 { self = .post; return }
            if p[0] == 0x48, p[1] == 0x45, p[2] == 0x41, p[3] == 0x44 { self = .head; return }
        case 5:
            if HTTPMethod.equal(p, "PATCH") { self = .patch; return }
            if HTTPMethod.equal(p, "TRACE") { self = .trace; return }
        case 6:
            if HTTPMethod.equal(p, "DELETE") { self = .delete; return }
        case 7:
            if HTTPMethod.equal(p, "OPTIONS") { self = .options; return }
            if HTTPMethod.equal(p, "CONNECT") { self = .connect; return }
        default:
            break
        }
        self = .other(String(decoding: p, as: UTF8.self))
    }

    @usableFromInline
    static func equal(_ p: UnsafeRawBufferPointer, _ s: StaticString) -> Bool {
        guard p.count == s.utf8CodeUnitCount else { return false }
        let q = s.utf8Start
        for i in 0..<p.count where p[i] != q[i] { return false }
        return true
    }

    /// The method token as sent on the wire.
    public var rawValue: String {
        switch self {
        case .get: "GET"
        case .head: "HEAD"
        case .post: "POST"
        case .put: "PUT"
        case .delete: "DELETE"
        case .patch: "PATCH"
        case .options: "OPTIONS"
        case .trace: "TRACE"
        case .connect: "CONNECT"
        case .other(let token): token
        }
    }

    public var description: String { rawValue }
}
