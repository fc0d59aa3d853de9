#if canImport(Glibc)
import Glibc
#endif
@testable import HTTPKit
import ModelKit
@testable import Monolith

/// Runs requests through the serving responder without a socket (prepare + respond, as
/// the server does), over `StaticModels` holding the fixtures.
struct ServingHarness {
    let models: StaticModels
    let environment: ServingEnvironment
    let responder: ServingResponder
    let logs = InMemoryLogHandler()

    /// `affine` (v1, v2 with alias production→1), `types` (v1), `two` (v1).
    static func standard(limits: ServingLimits = .default, defaultModel: String? = "affine",
                         loadWait: Duration = .seconds(10),
                         databaseCheck: @escaping @Sendable () -> String? = { nil }) throws -> ServingHarness {
        let models = StaticModels()
        let affine = try ServingFixtures.session("affine.onnx")
        models.add("affine", version: "1", session: affine)
        models.add("affine", version: "2", session: affine)
        models.alias("affine", "production", "1")
        models.add("types", version: "1", session: try ServingFixtures.session("identity_types.onnx"))
        models.add("two", version: "1", session: try ServingFixtures.session("two_inputs.onnx"))
        return try ServingHarness(models: models, environment: ServingEnvironment(
            models: models, limits: limits, loadWait: loadWait, defaultModel: defaultModel, databaseCheck: databaseCheck))
    }

    init(models: StaticModels, environment: ServingEnvironment) throws {
        self.models = models
        self.environment = environment
        let router = Router()
        SeedRoutes().register(on: router)
        responder = try ServingRoutes.makeResponder(router: router, environment: environment, others: [SeedRoutes()])
    }

    struct Result {
        var response: Response
        var options: RouteOptions
        var context: RequestContext

        var status: Int { response.status.code }
        var bytes: [UInt8] {
            if case .bytes(let b) = response.body { return b }
            return []
        }
        var text: String { String(decoding: bytes, as: UTF8.self) }
        func json() throws -> JSONValue { try parseJSON(bytes) }
        var error: String? { (try? json())?["error"]?.string }
    }

    /// Sends a request; `json` sets the body and `Content-Type: application/json`.
    func send(_ method: HTTPMethod, _ target: String, headers: [(String, String)] = [], body: [UInt8] = [], json: String? = nil) -> Result {
        var fields = HTTPHeaders()
        fields.add(name: "Host", value: "test")
        var body = body
        if let json {
            body = Array(json.utf8)
            fields.add(name: "Content-Type", value: "application/json")
        }
        for (name, value) in headers { fields.add(name: name, value: value) }
        if !body.isEmpty { fields.add(name: "Content-Length", value: String(body.count)) }
        let request = Request(method: method, target: target, headers: fields, body: .bytes(body))
        let head = RequestHead(method: method, target: target, path: request.path, query: nil, version: .http1_1, headers: fields,
                               framing: body.isEmpty ? .none : .length(body.count))
        var context = RequestContext(logger: Logger(label: "test", handler: logs, logLevel: .trace), requestID: "test-id")
        let options = responder.prepare(head, context: &context)
        let response = responder.respond(to: request, context: &context)
        return Result(response: response, options: options, context: context)
    }
}
