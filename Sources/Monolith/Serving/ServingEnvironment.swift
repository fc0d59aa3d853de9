import HTTPKit

/// Everything the serving routes share: the registry, limits, and settings from the
/// environment (`MONOLITH_DEFAULT_MODEL`, `MONOLITH_LOAD_WAIT`).
struct ServingEnvironment: Sendable {
    /// The registry's serving view.
    let models: any ServingModels
    /// Size limits for request tensors.
    var limits: ServingLimits
    /// How long a request for a loading model waits before a 503 (default 10 s).
    var loadWait: Duration
    /// The model `POST /predict` uses; `nil` means the only model.
    var defaultModel: String? {
        didSet { defaultModelReference = defaultModel.flatMap { try? ModelReference(parsing: $0) } }
    }
    /// `defaultModel` parsed once (it is read on every `/predict`).
    private var defaultModelReference: ModelReference?
    /// `SELECT 1` on the store for `/db-check` and readiness: nil when fine, else the error.
    var databaseCheck: @Sendable () -> String?
    /// The server's name and version for `/v2` and `/version`.
    var serverName = "monolith"
    var serverVersion = MonolithVersion.current

    init(models: any ServingModels, limits: ServingLimits = .default, loadWait: Duration = .seconds(10),
         defaultModel: String? = nil, databaseCheck: @escaping @Sendable () -> String? = { nil }) {
        self.models = models
        self.limits = limits
        self.loadWait = loadWait
        self.defaultModel = defaultModel
        self.defaultModelReference = defaultModel.flatMap { try? ModelReference(parsing: $0) }
        self.databaseCheck = databaseCheck
    }

    /// Reads `MONOLITH_DEFAULT_MODEL` and `MONOLITH_LOAD_WAIT` (seconds) over the defaults.
    static func settings(from environment: [String: String]) throws(UsageError) -> (defaultModel: String?, loadWait: Duration) {
        var wait = Duration.seconds(10)
        if let text = environment["MONOLITH_LOAD_WAIT"], !text.isEmpty {
            guard let parsed = Configuration.parseSeconds(text) else {
                throw UsageError("MONOLITH_LOAD_WAIT: invalid duration '\(text)' (seconds)")
            }
            wait = parsed
        }
        let model = environment["MONOLITH_DEFAULT_MODEL"].flatMap { $0.isEmpty ? nil : $0 }
        return (model, wait)
    }

    // MARK: Resolution

    /// The ready model for `reference`, or the error its route answers (404 unknown,
    /// 503 not ready). Never blocks: a loading model is a 503 here (see `resolveWaiting`).
    func resolve(_ reference: ModelReference) throws(ServingError) -> ServedModel {
        try Self.answer(models.lookup(reference), reference)
    }

    /// Like `resolve`, but waits up to `loadWait` for a loading model. Only for routes
    /// running off the event loop, or when the lookup shows the model is not loading.
    func resolveWaiting(_ reference: ModelReference) throws(ServingError) -> ServedModel {
        let first = models.lookup(reference)
        if case .loading = first {
            return try Self.answer(models.waitWhileLoading(reference, timeout: loadWait), reference)
        }
        return try Self.answer(first, reference)
    }

    /// Whether `reference` is loading now (the responder offloads such requests so they
    /// can wait without holding an event loop).
    func isLoading(_ reference: ModelReference) -> Bool {
        if case .loading = models.lookup(reference) { return true }
        return false
    }

    private static func answer(_ lookup: ModelLookup, _ reference: ModelReference) throws(ServingError) -> ServedModel {
        switch lookup {
        case .ready(let model): return model
        case .loading: throw .unavailable("model '\(reference)' is still loading; retry shortly")
        case .unavailable(let reason): throw .unavailable("model '\(reference)' is not available: \(reason)")
        case .notFound(let message): throw .notFound(message)
        }
    }

    /// The model `POST /predict` serves: `MONOLITH_DEFAULT_MODEL`, else the only model.
    func defaultReference() throws(ServingError) -> ModelReference {
        if let defaultModelReference { return defaultModelReference }
        if let defaultModel { return try ModelReference(parsing: defaultModel) }
        let names = models.modelNames()
        guard names.count == 1, let only = names.first else {
            if names.isEmpty { throw .unavailable("no model is registered; upload one or set MONOLITH_REGISTRY") }
            throw .notFound("several models are registered (\(names.joined(separator: ", "))); set MONOLITH_DEFAULT_MODEL or call /v2/models/{name}/infer")
        }
        return ModelReference(name: only)
    }
}
