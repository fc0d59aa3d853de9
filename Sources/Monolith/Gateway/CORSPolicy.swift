import HTTPKit

/// Cross-origin access for browsers (the Fetch standard's CORS protocol): which origins may
/// call the API, and the answer to preflight `OPTIONS` requests.
///
/// `MONOLITH_CORS_ORIGINS` is `*` or a comma-separated list of origins
/// (`https://app.example.com,http://localhost:5173`); unset means no CORS headers at all
/// (browsers then refuse cross-origin calls). Credentials (cookies, HTTP auth) are off by
/// default; `MONOLITH_CORS_CREDENTIALS=true` allows them, and then the origin is echoed
/// instead of `*` (the Fetch standard forbids `*` with credentials).
struct CORSPolicy: Sendable, Equatable {
    enum Origins: Sendable, Equatable {
        case any
        case list(Set<String>)
    }

    var origins: Origins
    var allowCredentials = false
    /// How long a browser may cache a preflight answer (seconds).
    var maxAge = 600

    /// Request headers a cross-origin call may send.
    static let allowedHeaders = "Authorization, Content-Type, X-API-Key, X-Request-ID, traceparent, tracestate, Inference-Header-Content-Length"
    /// Response headers a cross-origin caller may read.
    static let exposedHeaders = "X-Request-ID, traceparent, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Inference-Header-Content-Length, Location"

    /// Parses `MONOLITH_CORS_ORIGINS`: nil for unset or empty.
    static func parse(origins text: String?, credentials: String?, maxAge: String?) throws(UsageError) -> CORSPolicy? {
        guard let text = text?.trimmingCharacters(in: " \t"), !text.isEmpty else { return nil }
        var policy: CORSPolicy
        if text == "*" {
            policy = CORSPolicy(origins: .any)
        } else {
            var set = Set<String>()
            for item in text.split(separator: ",") {
                var origin = item.trimmingCharacters(in: " \t").lowercased()
                while origin.hasSuffix("/") { origin.removeLast() }
                guard origin == "null" || origin.hasPrefix("http://") || origin.hasPrefix("https://"), !origin.contains(" ") else {
                    throw UsageError("MONOLITH_CORS_ORIGINS: '\(item)' is not an origin (scheme://host[:port]) or *")
                }
                set.insert(origin)
            }
            guard !set.isEmpty else { return nil }
            policy = CORSPolicy(origins: .list(set))
        }
        if let credentials, !credentials.isEmpty {
            switch credentials.lowercased() {
            case "true", "1", "yes", "on": policy.allowCredentials = true
            case "false", "0", "no", "off": policy.allowCredentials = false
            default: throw UsageError("MONOLITH_CORS_CREDENTIALS: invalid value '\(credentials)' (true or false)")
            }
        }
        if let maxAge, !maxAge.isEmpty {
            guard let seconds = Int(maxAge), (0...86_400).contains(seconds) else {
                throw UsageError("MONOLITH_CORS_MAX_AGE: invalid value '\(maxAge)' (0-86400 seconds)")
            }
            policy.maxAge = seconds
        }
        return policy
    }

    /// Whether `origin` (as the browser sent it) may call.
    func allows(_ origin: String) -> Bool {
        switch origins {
        case .any: return true
        case .list(let set): return set.contains(origin.lowercased())
        }
    }

    /// The `Access-Control-Allow-Origin` value for an allowed `origin`.
    func allowOrigin(_ origin: String) -> String {
        if case .any = origins, !allowCredentials { return "*" }
        return origin
    }

    /// Adds the headers of an answer to an allowed cross-origin (non-preflight) request.
    func decorate(_ headers: inout HTTPHeaders, origin: String) {
        headers.add(name: "Access-Control-Allow-Origin", value: allowOrigin(origin))
        if allowCredentials { headers.add(name: "Access-Control-Allow-Credentials", value: "true") }
        headers.add(name: "Access-Control-Expose-Headers", value: Self.exposedHeaders)
        headers.add(name: "Vary", value: "Origin")
    }

    /// The answer to a preflight from an allowed `origin` for a path whose routes accept
    /// `methods` (Fetch standard §3.2.3 "CORS-preflight fetch": 204 with the allow lists).
    func preflight(origin: String, methods: [HTTPMethod]) -> Response {
        var list = methods
        if list.contains(.get) && !list.contains(.head) { list.append(.head) }
        var headers = HTTPHeaders()
        headers.add(name: "Access-Control-Allow-Origin", value: allowOrigin(origin))
        if allowCredentials { headers.add(name: "Access-Control-Allow-Credentials", value: "true") }
        headers.add(name: "Access-Control-Allow-Methods", value: list.map(\.rawValue).joined(separator: ", "))
        headers.add(name: "Access-Control-Allow-Headers", value: Self.allowedHeaders)
        headers.add(name: "Access-Control-Max-Age", value: String(maxAge))
        headers.add(name: "Vary", value: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
        return Response(status: .noContent, headers: headers)
    }
}
