#if canImport(Glibc)
import Glibc
#endif
@testable import HTTPKit
import StoreKitLite
import Testing
@testable import Monolith

/// The MLflow routes over a real registry (fresh data directory, started) without a socket:
/// requests go through the router's `prepare` + `respond`, as the server runs them. Local
/// sources may be imported from `sources` (unless made with `sourceRoot: false`).
final class MLflowHarness {
    let fixture: RegistryFixture
    let sources: TemporaryDirectory
    let importer: MLflowVersionImporter
    let responder: RouterResponder
    let logs = InMemoryLogHandler()

    init(sourceRoot: Bool = true) throws {
        fixture = try RegistryFixture()
        try fixture.start()
        sources = try TemporaryDirectory()
        importer = MLflowVersionImporter(registry: fixture.registry, sourceRoot: sourceRoot ? sources.path : nil,
                                         logger: Logger(label: "test", handler: logs, logLevel: .debug))
        let router = Router()
        MLflowRoutes(service: MLflowService(registry: fixture.registry, importer: importer)).register(on: router)
        responder = try router.buildResponder()
    }

    var store: MetadataStore { fixture.store }
    var registry: ModelRegistry { fixture.registry }

    struct Result {
        var status: Int
        var body: [UInt8]
        var options: RouteOptions
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: JSONValue { (try? parseJSON(body)) ?? .null }
        var errorCode: String? { json["error_code"]?.string }
        var message: String { json["message"]?.string ?? "" }
    }

    /// Sends a request: `query` pairs are percent-encoded into the target, `json` is the body.
    func send(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], json: String? = nil,
              prefix: String = "/api/2.0/mlflow/") -> Result {
        var target = prefix + path
        if !query.isEmpty {
            target += "?" + query.map { MLflowHarness.encode($0.0) + "=" + MLflowHarness.encode($0.1) }.joined(separator: "&")
        }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "test")
        let body = Array((json ?? "").utf8)
        if json != nil {
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: String(body.count))
        }
        let request = Request(method: method, target: target, headers: headers, body: .bytes(body))
        let head = RequestHead(method: method, target: target, path: request.path, query: nil, version: .http1_1, headers: headers)
        var context = RequestContext(logger: Logger(label: "test", handler: logs, logLevel: .trace), requestID: "test")
        let options = responder.prepare(head, context: &context)
        let response = responder.respond(to: request, context: &context)
        var bytes: [UInt8] = []
        if case .bytes(let b) = response.body { bytes = b }
        return Result(status: response.status.code, body: bytes, options: options)
    }

    func get(_ path: String, _ query: [(String, String)] = []) -> Result { send(.get, path, query: query) }
    func post(_ path: String, _ json: String) -> Result { send(.post, path, json: json) }

    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let unreserved = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
            if unreserved {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out += "%"
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 15)])
            }
        }
        return out
    }

    // MARK: Fixtures

    /// Writes the `y = x + c` model under the source root; returns its path.
    @discardableResult
    func writeModel(_ relative: String, c: Float = 1) throws -> String {
        let path = sources(relative)
        try RegistryTestFiles.write(path, RegistryTestModels.addConstant(c))
        return path
    }

    /// An MLflow model directory (`MLmodel` with the onnx flavor + `model.onnx`).
    @discardableResult
    func writeMLflowModel(_ relative: String, c: Float = 1, data: String = "model.onnx") throws -> String {
        let directory = sources(relative)
        try RegistryTestFiles.write(directory + "/" + data, RegistryTestModels.addConstant(c))
        try RegistryTestFiles.write(directory + "/MLmodel", """
            artifact_path: model
            flavors:
              onnx:
                code: null
                data: \(data)
                onnx_version: 1.17.0
                providers:
                - CPUExecutionProvider
              python_function:
                data: \(data)
                loader_module: mlflow.onnx
            mlflow_version: 2.17.0

            """)
        return directory
    }

    /// Creates a registered model (admin route) and checks it worked.
    func createModel(_ name: String) throws {
        let result = post("registered-models/create", #"{"name": "\#(name)"}"#)
        try #require(result.status == 200, "\(result.text)")
    }

    /// Creates a version from `source` and waits for its import; returns the final version object.
    func createVersion(_ name: String, source: String, extra: String = "") throws -> JSONValue {
        let created = post("model-versions/create", #"{"name": "\#(name)", "source": "\#(source)"\#(extra)}"#)
        try #require(created.status == 200, "\(created.text)")
        try #require(importer.waitUntilIdle(timeout: .seconds(30)))
        let version = try #require(created.json["model_version"]?["version"]?.string)
        return get("model-versions/get", [("name", name), ("version", version)]).json["model_version"] ?? .null
    }

    /// Waits until `name` (with selector) resolves to a ready model in the serving snapshot.
    func servedVersion(_ name: String, _ selector: VersionSelector = .default) -> Int64? {
        registry.resolve(name, selector).model?.version
    }
}
