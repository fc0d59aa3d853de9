@testable import HTTPKit
import ModelKit
import Testing
@testable import Monolith

@Suite("OpenAPI document and infer command")
struct OpenAPIDocumentTests {
    /// Every route the server registers, by method and template.
    func registeredRoutes() throws -> [(method: String, template: String)] {
        let models = StaticModels()
        let router = Router()
        SeedRoutes().register(on: router)
        _ = try ServingRoutes.makeResponder(router: router, environment: ServingEnvironment(models: models), others: [SeedRoutes()])
        return router.registrations.map { ($0.method.rawValue.lowercased(), $0.template) }
    }

    func document() throws -> JSONValue {
        let serving = ServingRoutes.collections(ServingEnvironment(models: StaticModels()))
        return try parseJSON(try DocsRoutes(describing: [SeedRoutes()] + serving).document())
    }

    @Test func everyRegisteredRouteIsDescribed() throws {
        let paths = try #require(try document()["paths"]?.object)
        let routes = try registeredRoutes()
        #expect(routes.count >= 35)
        for route in routes {
            let operation = paths[route.template]?[route.method]
            #expect(operation != nil, "\(route.method.uppercased()) \(route.template) is not in /openapi.json")
            #expect(operation?["responses"]?.object?.count ?? 0 > 0, "\(route.template) has no responses")
        }
        // And nothing is described that the server does not serve.
        for (path, item) in paths {
            for (method, _) in try #require(item.object) where method != "parameters" {
                #expect(routes.contains { $0.template == path && $0.method == method }, "\(method) \(path) is described but not served")
            }
        }
    }

    @Test func documentIsOpenAPI31WithResolvableReferences() throws {
        let doc = try document()
        #expect(doc["openapi"] == .string("3.1.0"))
        #expect(doc["info"]?["title"] == .string("Monolith"))
        var references: [String] = []
        func collect(_ value: JSONValue) {
            switch value {
            case .object(let object):
                for (key, member) in object {
                    if key == "$ref", case .string(let target) = member { references.append(target) } else { collect(member) }
                }
            case .array(let elements): elements.forEach(collect)
            default: break
            }
        }
        collect(doc)
        #expect(!references.isEmpty)
        for reference in Set(references) {
            let parts = reference.split(separator: "/").dropFirst().map(String.init)
            var node: JSONValue? = doc
            for part in parts { node = node?[part] }
            #expect(node != nil, "\(reference) does not resolve")
        }
        let operationIDs = try #require(doc["paths"]?.object).flatMap { $0.value.object?.compactMap { $0.value["operationId"]?.string } ?? [] }
        #expect(Set(operationIDs).count == operationIDs.count, "operationIds are unique")
    }

    @Test func fragmentsMergeByMethodAndComponent() throws {
        let merged = try parseJSON(try OpenAPIDocument.build(fragments: [
            #"{"paths":{"/a":{"get":{"responses":{"200":{"description":"x"}}}}},"components":{"schemas":{"A":{"type":"string"}}}}"#,
            #"{"paths":{"/a":{"post":{"responses":{"200":{"description":"y"}}}}},"components":{"schemas":{"B":{"type":"integer"}}},"tags":[{"name":"T"}]}"#,
        ]))
        #expect(merged["paths"]?["/a"]?.object?.keys == ["get", "post"])
        #expect(merged["components"]?["schemas"]?.object?.keys == ["A", "B"])
        #expect(merged["tags"] == .array([.object(JSONObject([("name", .string("T"))]))]))
        #expect(throws: OpenAPIError.self) { try OpenAPIDocument.build(fragments: ["{"]) }
    }

    @Test func gatewayAnswersAreDocumentedOnEveryOperation() throws {
        let operations = #"{"paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}, "401": {"description": "own"}}}, "parameters": []}}}"#
        let gateway = #"{"components": {"responses": {"Unauthorized": {"description": "u"}, "TooManyRequests": {"description": "t"}}}}"#
        let merged = try parseJSON(try OpenAPIDocument.build(fragments: [operations, gateway], everyOperationAnswers: GatewayRoutes.answersOnEveryRoute))
        let responses = merged["paths"]?["/a"]?["get"]?["responses"]
        #expect(responses?.object?.keys == ["200", "401", "429"])
        #expect(responses?["401"]?["description"]?.string == "own")  // what a route says stays
        #expect(responses?["429"]?["$ref"]?.string == "#/components/responses/TooManyRequests")
        #expect(merged["paths"]?["/a"]?["parameters"] == .array([]))
        // Without the gateway's components nothing refers to a response that is not there.
        let alone = try parseJSON(try OpenAPIDocument.build(fragments: [operations], everyOperationAnswers: GatewayRoutes.answersOnEveryRoute))
        #expect(alone["paths"]?["/a"]?["get"]?["responses"]?.object?.keys == ["200", "401"])
    }

    @Test func inferCommandRunsTheV2CodecOnAModelFile() throws {
        let session = try ServingFixtures.session("affine.onnx")
        let response = try InferCommand.infer(
            session: session, name: "affine",
            body: Array(#"{"id":"cli","inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","data":[1,1,1]}]}"#.utf8), headerLength: nil)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"model_name":"affine","model_version":"1","id":"cli","outputs":[{"name":"output","datatype":"FP32","shape":[1,1],"data":[1.75]}]}"#)
        let bad = servingError { _ = try InferCommand.infer(session: session, name: "affine", body: Array("{}".utf8), headerLength: nil) }
        #expect(bad?.statusCode == 400)
        #expect(InferCommand.defaultName("models/iris.v2.onnx") == "iris.v2")
        #expect(try InferCommand.readAll(ServingFixtures.path("affine.onnx"), limit: 1 << 20) == ServingFixtures.bytes("affine.onnx"))
        #expect(throws: InferCommand.ReadError.self) { try InferCommand.readAll(ServingFixtures.path("affine.onnx"), limit: 10) }
    }

    @Test func inferTimingCountsEveryCallAndReportsTheMedianRound() throws {
        var calls = 0
        let timing = InferenceTiming.measure(seconds: 0.05) { calls += 1 }
        #expect(timing.calls > 0 && calls > timing.calls)  // the warm-up calls are not timed
        #expect(timing.roundsMicros.count == 5 && timing.roundsMicros == timing.roundsMicros.sorted())
        #expect(timing.medianMicros == timing.roundsMicros[2])
        let json = try parseJSON(timing.json)
        #expect(json["timing"]?["calls"] == .integer(Int64(timing.calls)))
        #expect(json["timing"]?["rounds_us"]?.array?.count == 5)
        struct Failure: Error {}
        #expect(throws: Failure.self) { _ = try InferenceTiming.measure(seconds: 0.05) { throw Failure() } }
    }
}
