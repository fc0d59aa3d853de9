import HTTPKit
import ModelKit

/// The seed FastAPI services' routes beyond `/` and `/health` (PROTOCOLS.md §1):
/// readiness, the database check and `POST /predict` on the default model.
struct PredictRoutes: RouteCollection {
    let environment: ServingEnvironment

    static let waitingTemplates: Set<String> = ["/predict"]

    func register(on router: Router) {
        let env = environment
        router.get("/health/ready") { _, _ in
            if let error = env.databaseCheck() {
                return .jsonError("the store is not available: \(error)", status: .serviceUnavailable)
            }
            let (ready, reason) = env.models.readiness()
            guard ready else { return .jsonError(reason, status: .serviceUnavailable) }
            return Response.json { json in
                json.beginObject()
                json.key("status"); json.string("ready")
                json.key("models"); json.number(env.models.modelNames().count)
                json.endObject()
            }
        }
        router.get("/db-check", options: .offloaded) { _, _ in
            let error = env.databaseCheck()
            return Response.json(status: error == nil ? .ok : .serviceUnavailable) { json in
                json.beginObject()
                json.key("ok"); json.bool(error == nil)
                json.key("database"); json.string("sqlite")
                if let error { json.key("error"); json.string(error) }
                json.endObject()
            }
        }
        router.post("/predict") { request, context in
            let model = try env.resolve(try env.defaultReference(), waiting: context)
            var run = InferenceRun(model, context: context)
            defer { run.finish() }
            let body = request.body.bytes
            let outputs: [OutputTensor]
            if let tensor = FastRowDecoder.decode(body, signature: model.signature, limits: env.limits) {
                // The fast decoder only answers for single-input models.
                outputs = try run.infer(input: tensor)
            } else {
                let feeds = try PredictCodec.decode(body, signature: model.signature, limits: env.limits)
                outputs = try run.infer(feeds: feeds, outputs: model.outputNames)
            }
            let answer = try PredictCodec.encode(outputs, model: model.name, version: model.version)
            run.answered()
            return .jsonBody(answer)
        }
    }
}
