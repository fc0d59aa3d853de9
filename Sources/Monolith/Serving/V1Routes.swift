import HTTPKit

/// TensorFlow Serving's REST API, as KServe V1 also speaks it (PROTOCOLS.md §3):
/// model list, model status, and `:predict` with `instances` or `inputs`.
///
/// Versions are pinned with `/versions/{v}` and aliases picked with `/labels/{l}`.
/// Errors are `{"error": "..."}`.
struct V1Routes: RouteCollection {
    let environment: ServingEnvironment

    static let waitingTemplates: Set<String> = [
        "/v1/models/{m}:predict", "/v1/models/{m}/versions/{v}:predict", "/v1/models/{m}/labels/{l}:predict",
    ]

    func register(on router: Router) {
        let env = environment
        router.get("/v1/models") { _, _ in
            Response.json { json in
                json.beginObject()
                json.key("models")
                json.beginArray()
                for name in env.models.modelNames() { json.string(name) }
                json.endArray()
                json.endObject()
            }
        }
        for suffix in ["", "/versions/{v}", "/labels/{l}"] {
            router.get("/v1/models/{m}" + suffix) { _, context in try V1Routes.status(env, context) }
            router.post("/v1/models/{m}" + suffix + ":predict") { request, context in
                let model = try env.resolve(try V1Routes.reference(context), waiting: context)
                var run = InferenceRun(model, context: context)
                defer { run.finish() }
                let decoded = try V1PredictCodec.decode(request.body.bytes, signature: model.signature, limits: env.limits)
                let outputs = try run.infer(feeds: decoded.feeds, outputs: model.outputNames)
                let answer = try V1PredictCodec.encode(outputs, format: decoded.format)
                run.answered()
                return .jsonBody(answer)
            }
        }
    }

    static func reference(_ context: RequestContext) throws(ServingError) -> ModelReference {
        guard let name = context.parameters["m"], !name.isEmpty else { throw .badRequest("missing model name") }
        let reference = try ModelReference(parsing: name, version: context.parameters["v"])
        return ServingResponder.aliasAware(reference, context)
    }

    /// `GetModelStatus` as JSON: every version (or the one pinned / behind the label).
    static func status(_ env: ServingEnvironment, _ context: RequestContext) throws -> Response {
        let reference = try reference(context)
        guard let status = env.models.status(of: reference.name) else {
            throw ServingError.notFound("Servable not found for request: Latest(\(reference.name))")
        }
        var versions = status.versions
        switch reference.selector {
        case .automatic: break
        case .version(let v):
            versions = versions.filter { $0.version == v }
            if versions.isEmpty { throw ServingError.notFound("model '\(reference.name)' has no version \(v)") }
        case .alias(let alias):
            let target = alias == "latest" ? status.versions.last(where: { $0.state == .ready })?.version : status.aliases[alias]
            guard let target else { throw ServingError.notFound("model '\(reference.name)' has no label '\(alias)'") }
            versions = versions.filter { $0.version == target }
        }
        return Response.json { json in
            json.beginObject()
            json.key("model_version_status")
            json.beginArray()
            for version in versions.reversed() {
                json.beginObject()
                json.key("version"); json.string(version.version)
                json.key("state"); json.string(tfState(version.state))
                json.key("status")
                json.beginObject()
                json.key("error_code"); json.string(version.state == .failed ? "UNKNOWN" : "OK")
                json.key("error_message"); json.string(version.state == .failed ? version.reason : "")
                json.endObject()
                json.endObject()
            }
            json.endArray()
            json.endObject()
        }
    }

    /// TF Serving's `ModelVersionStatus.State` names.
    static func tfState(_ state: VersionState) -> String {
        switch state {
        case .ready: return "AVAILABLE"
        case .loading: return "LOADING"
        case .failed, .unloaded: return "END"
        }
    }
}
