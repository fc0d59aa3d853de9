/// Something that answers requests: the server's single entry point into the application.
///
/// The server calls `prepare` as soon as a head is parsed — before the body — so the
/// route can choose its body limit, whether it runs off the event loop and whether its
/// body streams; then `respond` once the body is there (or, for streaming bodies, at once).
public protocol HTTPResponder: Sendable {
    /// Resolves how the request will be handled; may record the route in `context`.
    func prepare(_ head: RequestHead, context: inout RequestContext) -> RouteOptions
    /// Answers a request. Errors are rendered into responses inside; this never throws.
    func respond(to request: Request, context: inout RequestContext) -> Response
    /// Renders an error that happened outside `respond` (parse errors, timeouts, limits).
    func renderError(_ error: any Error, head: RequestHead?, context: RequestContext) -> Response
}

extension HTTPResponder {
    public func prepare(_ head: RequestHead, context: inout RequestContext) -> RouteOptions { RouteOptions() }

    public func renderError(_ error: any Error, head: RequestHead?, context: RequestContext) -> Response {
        DefaultErrorRenderer().render(error, path: head?.path, context: context)
    }
}

/// How a route is run.
public struct RouteOptions: Sendable, Equatable {
    /// Run the handler on the worker pool instead of the event loop (slow handlers:
    /// uploads, model loads) so other connections never wait for it.
    public var offload: Bool
    /// Hand the body to the handler as a `RequestBodyStream` while it arrives (implies
    /// `offload`), so an upload can go to disk without being held in memory.
    public var streamingBody: Bool
    /// This route's body-size limit; nil keeps the server's `HTTPLimits.maxBodySize`.
    public var maxBodySize: Int?
    /// Labels the application attaches to the route (e.g. `"scope:admin"` for an access
    /// policy, an API family for docs). HTTPKit never reads them; middleware and wrapping
    /// responders find them through `RouterResponder.routeTable` and
    /// `RequestContext.routeIndex`, so a decision is made from the matched route, never
    /// from the raw path.
    public var tags: [String]

    public init(offload: Bool = false, streamingBody: Bool = false, maxBodySize: Int? = nil, tags: [String] = []) {
        self.offload = offload || streamingBody
        self.streamingBody = streamingBody
        self.maxBodySize = maxBodySize
        self.tags = tags
    }

    /// Handler on the event loop, body collected, server body limit.
    public static let inline = RouteOptions()
    /// Handler on the worker pool.
    public static let offloaded = RouteOptions(offload: true)
}

/// A step of the middleware chain (Hummingbird's `handle(_:context:next:)` shape).
///
/// `next` runs the rest of the chain and the handler and always returns a response:
/// errors thrown further in have already been rendered, so access logs and metrics see
/// every status. An error thrown by a middleware itself is rendered by the router.
public protocol Middleware: Sendable {
    func handle(
        _ request: Request, context: inout RequestContext,
        next: (Request, inout RequestContext) throws -> Response
    ) throws -> Response
}

/// Turns errors into responses: the one place that does (per route family if wanted).
public protocol HTTPErrorRenderer: Sendable {
    /// The response for `error`; `path` is the request path when known.
    func render(_ error: any Error, path: String?, context: RequestContext) -> Response
}

/// Renders `{"error": message}` with the error's status; unknown errors become a 500
/// whose details go to the log, never to the client.
public struct DefaultErrorRenderer: HTTPErrorRenderer {
    public init() {}

    public func render(_ error: any Error, path: String?, context: RequestContext) -> Response {
        if let error = error as? any HTTPResponseError {
            return .jsonError(error.message, status: error.status, headers: error.headers)
        }
        context.logger.error("unhandled error", metadata: ["error": .string(String(describing: error))])
        return .jsonError("internal server error", status: .internalServerError)
    }
}
