/// The immutable responder built by `Router`: matches routes, runs middleware and the
/// handler, and renders every error in one place.
public struct RouterResponder: HTTPResponder {
    struct Route: Sendable {
        var template: String
        var method: HTTPMethod
        var options: RouteOptions
        var handler: RouteHandler
        var middleware: [any Middleware]
        var renderer: Int
    }

    let trie: RouteTrie
    let routes: [Route]

    /// One registered route as the application declared it.
    public struct RouteDescription: Sendable, Equatable {
        public var method: HTTPMethod
        public var template: String
        public var options: RouteOptions

        public init(method: HTTPMethod, template: String, options: RouteOptions) {
            self.method = method
            self.template = template
            self.options = options
        }
    }

    /// Every route, indexed as `RequestContext.routeIndex` reports the matched one.
    public var routeTable: [RouteDescription] {
        routes.map { RouteDescription(method: $0.method, template: $0.template, options: $0.options) }
    }
    let middleware: [any Middleware]
    let renderers: [(prefix: String, renderer: any HTTPErrorRenderer)]

    init(trie: RouteTrie, routes: [Route], middleware: [any Middleware], renderers: [(prefix: String, renderer: any HTTPErrorRenderer)]) {
        self.trie = trie
        self.routes = routes
        self.middleware = middleware
        self.renderers = renderers
    }

    public func prepare(_ head: RequestHead, context: inout RequestContext) -> RouteOptions {
        resolve(method: head.method, path: head.path, context: &context)
        if case .route(let index) = context.match { return routes[index].options }
        return .inline
    }

    public func respond(to request: Request, context: inout RequestContext) -> Response {
        if case .unresolved = context.match {
            resolve(method: request.method, path: request.path, context: &context)
        }
        switch context.match {
        case .route(let index):
            return run(routes[index].middleware, 0, request, &context, routes[index].handler, renderer: renderers[routes[index].renderer].renderer)
        case .methodNotAllowed(let allowed):
            let allow = allowHeader(allowed)
            let handler: RouteHandler = { _, _ in
                throw HTTPError(.methodNotAllowed, message: "method not allowed", headers: ["Allow": allow])
            }
            return run(middleware, 0, request, &context, handler, renderer: renderer(for: request.path))
        case .notFound, .unresolved:
            let handler: RouteHandler = { _, _ in throw HTTPError(.notFound, message: "not found") }
            return run(middleware, 0, request, &context, handler, renderer: renderer(for: request.path))
        }
    }

    public func renderError(_ error: any Error, head: RequestHead?, context: RequestContext) -> Response {
        if case .route(let index) = context.match {
            return renderers[routes[index].renderer].renderer.render(error, path: head?.path, context: context)
        }
        return renderer(for: head?.path).render(error, path: head?.path, context: context)
    }

    /// Runs middleware `i...` then the handler; errors become responses at each boundary,
    /// so every `next` a middleware calls returns a response.
    func run(
        _ chain: [any Middleware], _ i: Int, _ request: Request, _ context: inout RequestContext,
        _ handler: RouteHandler, renderer: any HTTPErrorRenderer
    ) -> Response {
        do {
            if i == chain.count { return try handler(request, &context) }
            return try chain[i].handle(request, context: &context) { request, context in
                run(chain, i + 1, request, &context, handler, renderer: renderer)
            }
        } catch {
            return renderer.render(error, path: request.path, context: context)
        }
    }

    /// The renderer of the longest group prefix containing `path`.
    func renderer(for path: String?) -> any HTTPErrorRenderer {
        guard let path, renderers.count > 1 else { return renderers[0].renderer }
        var best = 0
        var bestLength = -1
        for (i, entry) in renderers.enumerated() where entry.prefix.utf8.count > bestLength {
            if path == entry.prefix || path.hasPrefix(entry.prefix + "/") || entry.prefix.isEmpty {
                best = i
                bestLength = entry.prefix.utf8.count
            }
        }
        return renderers[best].renderer
    }

    func allowHeader(_ methods: [HTTPMethod]) -> String {
        var list = methods
        if list.contains(.get) && !list.contains(.head) { list.append(.head) }
        return list.map(\.rawValue).joined(separator: ", ")
    }

    // MARK: - Matching

    struct Search {
        var method: HTTPMethod
        var found: Int?
        var allowed: [HTTPMethod]?
        var captures: [(name: String, start: Int, end: Int)] = []
    }

    /// Finds the route for `method` and `path` and records it, its template and its
    /// parameters in `context`.
    public func resolve(method: HTTPMethod, path: String, context: inout RequestContext) {
        var path = path
        var search = Search(method: method)
        let matched = path.withUTF8 { p -> Bool in
            guard p.first == HTTPByte.slash else { return false }
            let start = p.count == 1 ? -1 : 1
            guard visit(0, start, p, &search) else { return false }
            for c in search.captures {
                context.parameters.append(c.name, PercentDecoding.decode(UnsafeBufferPointer(rebasing: p[c.start..<c.end])))
            }
            return true
        }
        if matched, let index = search.found {
            context.match = .route(index)
            context.routeTemplate = routes[index].template
        } else if let allowed = search.allowed {
            context.match = .methodNotAllowed(allowed)
        } else {
            context.match = .notFound
        }
    }

    /// Depth-first match from `node`; `pos` is the start of the next segment or -1 at the end.
    func visit(_ node: Int, _ pos: Int, _ p: UnsafeBufferPointer<UInt8>, _ search: inout Search) -> Bool {
        // The trie is read in place: copying a node (or an edge) would retain its arrays,
        // which every loop thread shares, on every request.
        trie.nodes.withUnsafeBufferPointer { nodes in visit(nodes, node, pos, p, &search) }
    }

    private func visit(_ nodes: UnsafeBufferPointer<RouteTrie.Node>, _ node: Int, _ pos: Int, _ p: UnsafeBufferPointer<UInt8>,
                       _ search: inout Search) -> Bool {
        guard pos >= 0 else {
            guard !nodes[node].routes.isEmpty else { return false }
            if let route = route(in: nodes[node].routes, for: search.method) {
                search.found = route
                return true
            }
            if search.allowed == nil { search.allowed = nodes[node].routes.map(\.method) }
            return false
        }
        var end = pos
        while end < p.count && p[end] != HTTPByte.slash { end += 1 }
        let next = end < p.count ? end + 1 : -1
        let segment = UnsafeBufferPointer(rebasing: p[pos..<end])

        if !nodes[node].literals.isEmpty {
            let hasEscape = segment.contains(HTTPByte.percent)
            let decoded: [UInt8]? = hasEscape ? Array(PercentDecoding.decode(segment).utf8) : nil
            for i in nodes[node].literals.indices {
                let equal = nodes[node].literals[i].segment.withUnsafeBufferPointer { edge in
                    decoded.map { $0.elementsEqual(edge) } ?? segment.elementsEqual(edge)
                }
                if equal && visit(nodes, nodes[node].literals[i].child, next, p, &search) { return true }
            }
        }
        for i in nodes[node].verbs.indices {
            let matches = nodes[node].verbs[i].verb.withUnsafeBufferPointer { verb in
                segment.count > verb.count && segment.suffix(verb.count).elementsEqual(verb)
            }
            guard matches else { continue }
            search.captures.append((nodes[node].verbs[i].name, pos, end - nodes[node].verbs[i].verb.count))
            if visit(nodes, nodes[node].verbs[i].child, next, p, &search) { return true }
            search.captures.removeLast()
        }
        if !segment.isEmpty {
            for i in nodes[node].parameters.indices {
                search.captures.append((nodes[node].parameters[i].name, pos, end))
                if visit(nodes, nodes[node].parameters[i].child, next, p, &search) { return true }
                search.captures.removeLast()
            }
        }
        return false
    }

    /// The route for `method`; HEAD falls back to GET (RFC 9110 §9.3.2).
    func route(in routes: [(method: HTTPMethod, route: Int)], for method: HTTPMethod) -> Int? {
        if let r = routes.first(where: { $0.method == method }) { return r.route }
        if method == .head, let r = routes.first(where: { $0.method == .get }) { return r.route }
        return nil
    }
}
