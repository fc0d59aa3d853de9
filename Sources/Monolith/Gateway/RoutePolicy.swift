import HTTPKit

/// Who may call a route: decided per route of the route table, from the route the router
/// matched — never by looking at the raw path, so no spelling of a path (case, `//`,
/// trailing `/`, `%2e%2e`, `%2f`, `;params`, absolute-form) can reach a guarded handler
/// unguarded: either the router matches the guarded route (and its policy applies) or it
/// matches nothing (404).
enum RouteAccess: String, Sendable, CaseIterable {
    /// Always open: liveness and readiness probes, docs.
    case `public`
    /// Inference and model metadata: open by default, a predict or admin key with
    /// `MONOLITH_AUTH=required`.
    case inference
    /// Management: an admin key, always.
    case admin
    /// `/metrics`: as `MONOLITH_METRICS_AUTH` says.
    case metrics

    /// The tag a route may carry in `RouteOptions.tags` to declare its access.
    var tag: String { "scope:" + rawValue }

    /// Route options tagged with this access.
    func options(_ base: RouteOptions = .inline) -> RouteOptions {
        var options = base
        options.tags.append(tag)
        return options
    }
}

/// The access and metric label of every route, indexed like `RouterResponder.routeTable`.
struct RoutePolicy: Sendable {
    let access: [RouteAccess]
    let templates: [String]
    /// Routes no rule classified (they default to admin: fail closed).
    let unclassified: [String]

    init(routeTable: [RouterResponder.RouteDescription]) {
        var access: [RouteAccess] = []
        var unclassified: [String] = []
        for route in routeTable {
            if let declared = Self.declared(route.options.tags) {
                access.append(declared)
            } else if let rule = Self.classify(template: route.template) {
                access.append(rule)
            } else {
                access.append(.admin)
                unclassified.append("\(route.method) \(route.template)")
            }
        }
        self.access = access
        templates = routeTable.map(\.template)
        self.unclassified = unclassified
    }

    /// The access a route declares with a `scope:` tag.
    static func declared(_ tags: [String]) -> RouteAccess? {
        for tag in tags where tag.hasPrefix("scope:") {
            if let access = RouteAccess(rawValue: String(tag.dropFirst(6))) { return access }
        }
        return nil
    }

    /// The built-in table for routes that declare nothing, by route template (PROTOCOLS.md):
    /// management (`/api/...`, the V2 repository extension) is admin; probes and docs are
    /// public; the inference protocols are inference. Anything else: nil (admin).
    static func classify(template: String) -> RouteAccess? {
        if template.hasPrefix("/api/") || template == "/api" || template.hasPrefix("/v2/repository") { return .admin }
        if template == "/metrics" { return .metrics }
        if publicTemplates.contains(template) { return .public }
        if template == "/v2" || template == "/version" { return .inference }
        for prefix in inferencePrefixes where template == prefix || template.hasPrefix(prefix + "/") || template.hasPrefix(prefix + ":") {
            return .inference
        }
        return nil
    }

    static let publicTemplates: Set<String> = [
        "/", "/health", "/health/ready", "/v2/health/live", "/v2/health/ready", "/ping", "/db-check",
        "/docs", "/redoc", "/openapi.json",
    ]

    static let inferencePrefixes = ["/predict", "/v1/models", "/v2/models", "/invocations"]
}
