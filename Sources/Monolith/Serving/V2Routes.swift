import HTTPKit
import ModelKit

/// The Open Inference Protocol (KServe V2) routes, with Triton's binary tensor data,
/// classification, model repository, model configuration and statistics extensions
/// (PROTOCOLS.md §2).
///
/// Errors are `{"error": "..."}`: 400 bad input, 404 unknown model or version, 413 over a
/// limit, 503 not ready. Health and readiness answer 200 or 400 with no error body needed
/// (Triton and MLServer answer 400 for "not ready").
struct V2Routes: RouteCollection {
    let environment: ServingEnvironment

    /// The extensions `GET /v2` lists: only those implemented here.
    static let extensions = ["binary_tensor_data", "classification", "model_repository", "model_configuration", "statistics"]

    /// The header giving the JSON part's length in a binary tensor request or response.
    static let headerLengthField = "Inference-Header-Content-Length"

    func register(on router: Router) {
        let env = environment
        router.get("/v2/health/live") { _, _ in Response.empty(.ok) }
        router.get("/v2/health/ready") { _, _ in
            let (ready, reason) = env.models.readiness()
            return ready ? Response.empty(.ok) : Response.jsonError(reason, status: .badRequest)
        }
        router.get("/v2") { _, _ in
            Response.json { json in
                json.beginObject()
                json.key("name"); json.string(env.serverName)
                json.key("version"); json.string(env.serverVersion)
                json.key("extensions")
                json.beginArray()
                for name in V2Routes.extensions { json.string(name) }
                json.endArray()
                json.endObject()
            }
        }
        // Read routes like model metadata: inference access.
        let read = RouteAccess.inference.options()
        router.get("/v2/models/stats", options: read) { _, context in try V2Routes.statistics(env, context) }
        for prefix in ["/v2/models/{m}", "/v2/models/{m}/versions/{v}"] {
            router.get(prefix) { _, context in try V2Routes.metadata(env, context) }
            router.get(prefix + "/ready") { _, context in try V2Routes.ready(env, context) }
            router.post(prefix + "/infer") { request, context in try V2Routes.infer(env, request, context) }
            router.get(prefix + "/config", options: read) { _, context in try V2Routes.modelConfiguration(env, context) }
            router.get(prefix + "/stats", options: read) { _, context in try V2Routes.statistics(env, context) }
        }
        router.post("/v2/repository/index", options: .offloaded) { request, _ in try V2Routes.index(env, request) }
        router.post("/v2/repository/models/{m}/load", options: .offloaded) { _, context in
            try env.models.load(try context.parameters.require("m"))
            return Response.json(bytes: Array("{}".utf8))
        }
        router.post("/v2/repository/models/{m}/unload", options: .offloaded) { _, context in
            try env.models.unload(try context.parameters.require("m"))
            return Response.json(bytes: Array("{}".utf8))
        }
    }

    /// The templates whose handlers wait for a loading model (the responder offloads them).
    static let waitingTemplates: Set<String> = [
        "/v2/models/{m}", "/v2/models/{m}/versions/{v}",
        "/v2/models/{m}/infer", "/v2/models/{m}/versions/{v}/infer",
        "/v2/models/{m}/config", "/v2/models/{m}/versions/{v}/config",
    ]

    static func reference(_ context: RequestContext) throws(ServingError) -> ModelReference {
        guard let name = context.parameters["m"], !name.isEmpty else { throw .badRequest("missing model name") }
        return try ModelReference(parsing: name, version: context.parameters["v"])
    }

    static func metadata(_ env: ServingEnvironment, _ context: RequestContext) throws -> Response {
        let model = try env.resolve(reference(context), waiting: context)
        let versions = env.models.status(of: model.name)?.versions.filter { $0.state == .ready }.map(\.version) ?? [model.version]
        return Response.json { json in
            json.beginObject()
            json.key("name"); json.string(model.name)
            json.key("versions")
            json.beginArray()
            for version in versions { json.string(version) }
            json.endArray()
            json.key("platform"); json.string(model.platform)
            json.key("inputs"); writeTensorMetadata(model.signature.inputs, into: &json)
            json.key("outputs"); writeTensorMetadata(model.signature.outputs, into: &json)
            json.endObject()
        }
    }

    static func writeTensorMetadata(_ tensors: [TensorSignature], into json: inout JSONWriter) {
        json.beginArray()
        for tensor in tensors {
            json.beginObject()
            json.key("name"); json.string(tensor.name)
            json.key("datatype"); json.string(tensor.v2Datatype)
            json.key("shape"); json.numbers(tensor.shape ?? [-1])
            json.endObject()
        }
        json.endArray()
    }

    static func ready(_ env: ServingEnvironment, _ context: RequestContext) throws -> Response {
        let reference = try reference(context)
        switch env.models.lookup(reference) {
        case .ready: return .empty(.ok)
        case .loading: return .jsonError("model '\(reference)' is loading", status: .badRequest)
        case .unavailable(let reason): return .jsonError("model '\(reference)' is not ready: \(reason)", status: .badRequest)
        case .notFound(let message): throw ServingError.notFound(message)
        }
    }

    static func infer(_ env: ServingEnvironment, _ request: Request, _ context: RequestContext) throws -> Response {
        let model = try env.resolve(reference(context), waiting: context)
        var run = InferenceRun(model, context: context)
        defer { run.finish() }
        var headerLength: Int?
        if let text = request.headers[headerLengthField] {
            guard let value = Int(text.trimmingCharacters(in: " \t")), value >= 0 else {
                throw ServingError.badRequest("\(headerLengthField) must be a non-negative integer, got '\(text)'")
            }
            headerLength = value
        }
        let decoded = try V2InferenceRequest.decode(
            body: try request.bodyBytes(), headerLength: headerLength, signature: model.signature, limits: env.limits)
        let outputs = try run.infer(feeds: decoded.feeds, outputs: decoded.outputs == nil ? model.outputNames : try decoded.outputNames(model.signature))
        let encoded = try V2InferenceResponse(modelName: model.name, modelVersion: model.version, request: decoded, outputs: outputs)
        run.answered()
        guard let length = encoded.headerLength else { return .jsonBody(encoded.body) }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/octet-stream")
        headers.add(name: headerLengthField, value: String(length))
        return Response(status: .ok, headers: headers, body: .bytes(encoded.body))
    }

    /// `POST /v2/repository/index`: every version of every model with its state
    /// (`READY`, `LOADING`, `UNAVAILABLE`) and reason; `{"ready": true}` keeps the ready ones.
    static func index(_ env: ServingEnvironment, _ request: Request) throws -> Response {
        var onlyReady = false
        let body = try request.bodyBytes(limit: 1 << 16)
        if !body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            let root: JSONValue
            do { root = try JSONParser().parse(body) } catch { throw ServingError.json(error) }
            guard case .object(let object) = root else { throw ServingError.badRequest("the index request must be a JSON object") }
            switch object["ready"] {
            case nil, .null?: break
            case .bool(let flag)?: onlyReady = flag
            case let other?: throw ServingError.badRequest("'ready' must be a boolean, got \(other.typeName)")
            }
        }
        return Response.json { json in
            json.beginArray()
            for name in env.models.modelNames() {
                guard let status = env.models.status(of: name) else { continue }
                for version in status.versions where !onlyReady || version.state == .ready {
                    json.beginObject()
                    json.key("name"); json.string(name)
                    json.key("version"); json.string(version.version)
                    json.key("state"); json.string(tritonState(version.state))
                    json.key("reason"); json.string(version.reason)
                    json.endObject()
                }
            }
            json.endArray()
        }
    }

    static func tritonState(_ state: VersionState) -> String {
        switch state {
        case .ready: return "READY"
        case .loading: return "LOADING"
        case .failed, .unloaded: return "UNAVAILABLE"
        }
    }
}

/// Set by `ServingResponder` when it moved a request off the event loop because its model
/// was loading: only then may the handler wait.
enum ServingMayWait: ContextStorageKey {
    typealias Value = Bool
}

extension ServingEnvironment {
    /// Resolves `reference`, waiting for a loading model when the request runs off the loop.
    func resolve(_ reference: ModelReference, waiting context: RequestContext) throws(ServingError) -> ServedModel {
        let model = context.storage[ServingMayWait.self] == true ? try resolveWaiting(reference) : try resolve(reference)
        context.noteServedModel(model)
        return model
    }
}
