import HTTPKit

/// The application's responder around the router: a request for a model that is still
/// loading runs off the event loop, where it may wait up to `MONOLITH_LOAD_WAIT` instead of
/// failing (what KServe users ask for after a scale from zero) without stalling the loop's
/// other connections; and bodies are decoded and answers compressed on request (HTTPKit's
/// `ContentCodingResponder`, gzip and deflate as Triton's clients send and ask for them).
///
/// Requests for ready models keep running inline on the loop: the check is one snapshot
/// lookup, done only for the routes that resolve a model.
struct ServingResponder: HTTPResponder {
    let inner: ContentCodingResponder<RouterResponder>
    let environment: ServingEnvironment
    /// Per route (by index in the router's table): whether its handler resolves a model and
    /// may wait for it. An array read per request instead of hashing the template.
    let waitingRoutes: [Bool]

    init(router: RouterResponder, environment: ServingEnvironment, waitingTemplates: Set<String> = ServingRoutes.waitingTemplates) {
        self.inner = ContentCodingResponder(inner: router)
        self.environment = environment
        self.waitingRoutes = router.routeTable.map { waitingTemplates.contains($0.template) }
    }

    /// The router's table (`RequestContext.routeIndex` indexes it).
    var routeTable: [RouterResponder.RouteDescription] { inner.inner.routeTable }

    /// Inference bodies larger than this (or chunked) run on the worker pool: decoding and
    /// running a big batch would otherwise hold the loop's other connections for as long.
    static let inlineBodyLimit = 256 << 10

    func prepare(_ head: RequestHead, context: inout RequestContext) -> RouteOptions {
        var options = inner.prepare(head, context: &context)
        guard !options.offload, let index = context.routeIndex, index < waitingRoutes.count, waitingRoutes[index] else { return options }
        switch head.framing {
        case .chunked: options.offload = true
        case .length(let n) where n > ServingResponder.inlineBodyLimit: options.offload = true
        default: break
        }
        guard environment.models.anyLoading else { return options }
        let reference: ModelReference?
        if let name = context.parameters["m"] {
            reference = try? ModelReference(parsing: name, version: context.parameters["v"])
        } else {
            reference = try? environment.defaultReference()
        }
        if let reference = reference.map({ ref in ServingResponder.aliasAware(ref, context) }), environment.isLoading(reference) {
            context.storage[ServingMayWait.self] = true
            options.offload = true
        }
        return options
    }

    func respond(to request: Request, context: inout RequestContext) -> Response {
        inner.respond(to: request, context: &context)
    }

    func renderError(_ error: any Error, head: RequestHead?, context: RequestContext) -> Response {
        inner.renderError(error, head: head, context: context)
    }

    /// V1's `/labels/{l}` form names an alias.
    static func aliasAware(_ reference: ModelReference, _ context: RequestContext) -> ModelReference {
        guard let label = context.parameters["l"] else { return reference }
        return ModelReference(name: reference.name, selector: .alias(label))
    }
}

/// Every serving route family, registered together, and the templates that wait for models.
enum ServingRoutes {
    static let waitingTemplates: Set<String> = V2Routes.waitingTemplates
        .union(V1Routes.waitingTemplates)
        .union(MLflowScoringRoutes.waitingTemplates)
        .union(PredictRoutes.waitingTemplates)

    /// The route collections of the serving API.
    static func collections(_ environment: ServingEnvironment) -> [any RouteCollection] {
        [
            PredictRoutes(environment: environment),
            V2Routes(environment: environment),
            V1Routes(environment: environment),
            MLflowScoringRoutes(environment: environment),
            ManagementRoutes(environment: environment),
        ]
    }
}

extension ServingRoutes {
    /// Registers the serving routes, then `/openapi.json`, `/docs` and `/redoc` describing
    /// `others` and the serving routes, on `router`; returns the responder the server runs
    /// (the router's, wrapped so requests for loading models can wait off the loop).
    static func makeResponder(router: Router, environment: ServingEnvironment, others: [any RouteCollection]) throws -> ServingResponder {
        let serving = collections(environment)
        for collection in serving { collection.register(on: router) }
        DocsRoutes(describing: others + serving).register(on: router)
        return ServingResponder(router: try router.buildResponder(), environment: environment)
    }
}
