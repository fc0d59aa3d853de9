/// Wraps a responder with HTTP content coding (RFC 9110 §8.4), as Triton's HTTP endpoint
/// does: a request body sent with `Content-Encoding: gzip` or `deflate` reaches the routes
/// decoded, and a response is compressed when the request's `Accept-Encoding` asks for it.
///
/// - A coded body is decoded before the handler runs, off the event loop (the route is
///   offloaded when the head names a coding), and may grow to the route's body limit at
///   most: a bomb is refused with 413 as it inflates, never held whole. Damaged data is a
///   400, an unknown coding a 415 listing `Accept-Encoding: gzip, deflate`; each rendered
///   by the route's own error format. Routes that stream their body to disk (uploads)
///   answer 415 for a coded body rather than store compressed bytes as the model.
/// - Responses of at least `minimumCompressedSize` bytes are compressed (zlib level 1) in
///   the preferred acceptable coding, with `Vary: Accept-Encoding`; streamed, empty,
///   already coded and 1xx/204/304 responses are left alone. A request without
///   `Accept-Encoding` (wrk, most load tools) costs one header lookup.
public struct ContentCodingResponder<Inner: HTTPResponder>: HTTPResponder {
    public let inner: Inner
    /// The decoded-body limit of routes that keep the server's body limit.
    public let serverBodyLimit: Int
    /// Smaller responses go as they are: below about one packet compressing saves no
    /// round trip and costs CPU (nginx's `gzip_min_length` idea).
    public static var minimumCompressedSize: Int { 1024 }

    public init(inner: Inner, serverBodyLimit: Int = HTTPLimits().maxBodySize) {
        self.inner = inner
        self.serverBodyLimit = serverBodyLimit
    }

    public func prepare(_ head: RequestHead, context: inout RequestContext) -> RouteOptions {
        var options = inner.prepare(head, context: &context)
        if context.routeIndex != nil, head.headers.firstValueBytes(lowercasedName: "content-encoding") != nil {
            context.storage[DecodedBodyLimit.self] = options.maxBodySize ?? serverBodyLimit
            options.offload = true
        }
        return options
    }

    public func respond(to request: Request, context: inout RequestContext) -> Response {
        var response: Response
        if context.routeIndex != nil, request.headers.firstValueBytes(lowercasedName: "content-encoding") != nil {
            var decoded = request
            do {
                try decodeBody(&decoded, limit: context.storage[DecodedBodyLimit.self] ?? serverBodyLimit)
            } catch {
                return inner.renderError(error, head: nil, context: context)
            }
            response = inner.respond(to: decoded, context: &context)
        } else {
            response = inner.respond(to: request, context: &context)
        }
        if request.headers.firstValueBytes(lowercasedName: "accept-encoding") != nil {
            compress(&response, for: request)
        }
        return response
    }

    public func renderError(_ error: any Error, head: RequestHead?, context: RequestContext) -> Response {
        inner.renderError(error, head: head, context: context)
    }

    /// Replaces a coded body by its decoded bytes and drops the header (the route sees the
    /// representation the client meant to send).
    func decodeBody(_ request: inout Request, limit: Int) throws(ContentCodingError) {
        // Several field lines are one comma-separated list (RFC 9110 §5.3).
        let codings = try ContentCoding.codings(contentEncoding: request.headers.values(for: "Content-Encoding").joined(separator: ","))
        request.headers.remove(name: "Content-Encoding")
        guard let outermost = codings.last else { return }
        switch request.body {
        case .bytes(let bytes):
            request.body = .bytes(try ContentCoding.decode(bytes, codings: codings, limit: limit))
            request.headers.remove(name: "Content-Length")
        case .stream:
            throw .streamedBody(outermost)
        }
    }

    /// Compresses `response` in the coding `request` prefers, when worth it.
    func compress(_ response: inout Response, for request: Request) {
        guard response.status.code >= 200, response.status.code != 204, response.status.code != 304,
              case .bytes(let body) = response.body, body.count >= Self.minimumCompressedSize,
              !response.headers.contains("Content-Encoding") else { return }
        response.headers.add(name: "Vary", value: "Accept-Encoding")
        guard let coding = ContentCoding.preferred(acceptEncoding: request.headers.values(for: "Accept-Encoding")),
              let compressed = coding.encode(body) else { return }
        response.body = .bytes(compressed)
        response.headers.add(name: "Content-Encoding", value: coding.rawValue)
    }
}

/// The decoded-body limit `ContentCodingResponder.prepare` found for the matched route.
enum DecodedBodyLimit: ContextStorageKey {
    typealias Value = Int
}
