/// A route handler: runs on the event loop unless the route is offloaded.
public typealias RouteHandler = @Sendable (Request, inout RequestContext) throws -> Response

/// Collects routes, middleware and error renderers, then builds an immutable responder.
///
/// ```swift
/// let router = Router()
/// router.get("/health") { _, _ in .json(bytes: Array(#"{"status":"ok"}"#.utf8)) }
/// router.post("/v1/models/{m}:predict") { request, context in
///     let model = try context.parameters.require("m") …
/// }
/// let mlflow = router.group("/api/2.0/mlflow", errorRenderer: MLflowErrorRenderer())
/// mlflow.get("/registered-models/get") { … }
/// let server = try HTTPServer(configuration: config, responder: router.buildResponder(), logger: logger)
/// ```
/// Templates: literal segments, `{name}` (one whole segment), and `{name}:verb` — a
/// parameter followed by a literal verb inside the last segment, as TF Serving's
/// `/v1/models/{m}:predict`. At each segment literals win over `{name}:verb`, which wins
/// over `{name}`; if a branch fails further down, the next one is tried.
public final class Router {
    struct Registration {
        var method: HTTPMethod
        var template: String
        var options: RouteOptions
        var handler: RouteHandler
        var middleware: [any Middleware]
        var renderer: Int
    }

    var registrations: [Registration] = []
    var middleware: [any Middleware] = []
    var renderers: [(prefix: String, renderer: any HTTPErrorRenderer)] = [("", DefaultErrorRenderer())]

    public init() {}

    /// The renderer for errors outside any group with its own renderer.
    public var errorRenderer: any HTTPErrorRenderer {
        get { renderers[0].renderer }
        set { renderers[0].renderer = newValue }
    }

    /// Adds middleware that runs for every request (including 404 and 405), outermost first.
    public func add(middleware: any Middleware) {
        self.middleware.append(middleware)
    }

    /// Registers `handler` for `method` and `template`.
    public func add(_ method: HTTPMethod, _ template: String, options: RouteOptions = .inline, _ handler: @escaping RouteHandler) {
        registrations.append(Registration(method: method, template: template, options: options, handler: handler, middleware: [], renderer: 0))
    }

    public func get(_ template: String, options: RouteOptions = .inline, _ handler: @escaping RouteHandler) { add(.get, template, options: options, handler) }
    public func head(_ template: String, options: RouteOptions = .inline, _ handler: @escaping RouteHandler) { add(.head, template, options: options, handler) }
    public func post(_ template: String, options: RouteOptions = .inline, _ handler: @escaping RouteHandler) { add(.post, template, options: options, handler) }
    public func put(_ template: String, options: RouteOptions = .inline, _ handler: @escaping RouteHandler) { add(.put, template, options: options, handler) }
    public func delete(_ template: String, options: RouteOptions = .inline, _ handler: @escaping RouteHandler) { add(.delete, template, options: options, handler) }
    public func patch(_ template: String, options: RouteOptions = .inline, _ handler: @escaping RouteHandler) { add(.patch, template, options: options, handler) }

    /// A group of routes under `prefix`, with its own middleware and optionally its own
    /// error renderer (used for its routes and for 404/405 under the prefix).
    public func group(_ prefix: String, errorRenderer: (any HTTPErrorRenderer)? = nil) -> RouteGroup {
        var index = 0
        if let errorRenderer {
            renderers.append((Self.trimmedPrefix(prefix), errorRenderer))
            index = renderers.count - 1
        }
        return RouteGroup(router: self, prefix: Self.trimmedPrefix(prefix), middleware: [], renderer: index)
    }

    static func trimmedPrefix(_ prefix: String) -> String {
        var p = prefix
        while p.hasSuffix("/") { p.removeLast() }
        return p
    }

    /// Builds the immutable, thread-safe responder the server runs.
    public func buildResponder() throws(RouterError) -> RouterResponder {
        var trie = RouteTrie()
        var routes: [RouterResponder.Route] = []
        for r in registrations {
            let segments = try RouteTemplate.parse(r.template)
            let index = routes.count
            routes.append(RouterResponder.Route(
                template: r.template, method: r.method, options: r.options, handler: r.handler,
                middleware: middleware + r.middleware, renderer: r.renderer))
            try trie.insert(segments, method: r.method, route: index, template: r.template)
        }
        return RouterResponder(trie: trie, routes: routes, middleware: middleware, renderers: renderers)
    }
}

/// Routes registered under a common prefix with shared middleware.
public final class RouteGroup {
    let router: Router
    let prefix: String
    var middleware: [any Middleware]
    let renderer: Int

    init(router: Router, prefix: String, middleware: [any Middleware], renderer: Int) {
        self.router = router
        self.prefix = prefix
        self.middleware = middleware
        self.renderer = renderer
    }

    /// Adds middleware for the routes registered on this group from now on.
    public func add(middleware: any Middleware) {
        self.middleware.append(middleware)
    }

    /// A nested group; it inherits this group's middleware and error renderer.
    public func group(_ prefix: String) -> RouteGroup {
        RouteGroup(router: router, prefix: self.prefix + Router.trimmedPrefix(prefix), middleware: middleware, renderer: renderer)
    }

    /// Registers `handler` for `method` and `prefix + template` (`template` may be "" for the prefix itself).
    public func add(_ method: HTTPMethod, _ template: String, options: RouteOptions = .inline, _ handler: @escaping RouteHandler) {
        router.registrations.append(Router.Registration(
            method: method, template: prefix + template, options: options, handler: handler,
            middleware: middleware, renderer: renderer))
    }

    public func get(_ template: String, options: RouteOptions = .inline, _ handler: @escaping RouteHandler) { add(.get, template, options: options, handler) }
    public func head(_ template: String, options: RouteOptions = .inline, _ handler: @escaping RouteHandler) { add(.head, template, options: options, handler) }
    public func post(_ template: String, options: RouteOptions = .inline, _ handler: @escaping RouteHandler) { add(.post, template, options: options, handler) }
    public func put(_ template: String, options: RouteOptions = .inline, _ handler: @escaping RouteHandler) { add(.put, template, options: options, handler) }
    public func delete(_ template: String, options: RouteOptions = .inline, _ handler: @escaping RouteHandler) { add(.delete, template, options: options, handler) }
    public func patch(_ template: String, options: RouteOptions = .inline, _ handler: @escaping RouteHandler) { add(.patch, template, options: options, handler) }
}

/// A route table problem found by `Router.buildResponder()`.
public struct RouterError: Error, Equatable, CustomStringConvertible {
    public var template: String
    public var reason: String
    public var description: String { "invalid route '\(template)': \(reason)" }
}
