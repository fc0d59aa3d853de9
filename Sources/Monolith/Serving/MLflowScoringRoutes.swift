import HTTPKit

/// MLflow's scoring server (`mlflow models serve`, PROTOCOLS.md §4): `GET /ping`,
/// `GET /version`, `POST /invocations` on the default model and `POST /invocations/{m}`
/// on any model. Errors are `{"error_code": ..., "message": ...}`.
struct MLflowScoringRoutes: RouteCollection {
    let environment: ServingEnvironment

    static let waitingTemplates: Set<String> = ["/invocations", "/invocations/{m}"]

    func register(on router: Router) {
        let env = environment
        router.get("/ping") { _, _ in
            // MLflow answers "\n" (labelled application/json, which it is not): text/plain here.
            let (ready, _) = env.models.readiness()
            return Response.text("\n", status: ready ? .ok : .serviceUnavailable)
        }
        router.get("/version") { _, _ in Response.text(env.serverVersion) }
        let scoring = router.group("/invocations", errorRenderer: MLflowErrorRenderer())
        scoring.post("") { request, context in
            try MLflowScoringRoutes.invoke(env, try env.defaultReference(), request, context)
        }
        scoring.post("/{m}") { request, context in
            guard let name = context.parameters["m"] else { throw ServingError.badRequest("missing model name") }
            return try MLflowScoringRoutes.invoke(env, try ModelReference(parsing: name), request, context)
        }
    }

    static func invoke(_ env: ServingEnvironment, _ reference: ModelReference, _ request: Request, _ context: RequestContext) throws -> Response {
        let format = try MLflowScoringCodec.format(contentType: request.headers["Content-Type"])
        let model = try env.resolve(reference, waiting: context)
        var run = InferenceRun(model, context: context)
        defer { run.finish() }
        let feeds = try MLflowScoringCodec.decode(request.body.bytes, format: format, signature: model.signature, limits: env.limits)
        let outputs = try run.infer(feeds: feeds, outputs: model.outputNames)
        let answer = try MLflowScoringCodec.encode(outputs)
        run.answered()
        return .jsonBody(answer)
    }
}
