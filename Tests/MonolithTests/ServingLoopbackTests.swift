#if canImport(Glibc)
import Glibc
#endif
@testable import HTTPKit
import ModelKit
import Testing
@testable import Monolith

/// The serving routes over a real socket on 127.0.0.1: each route family once with good
/// input and once with bad, in its protocol's error format.
@Suite("Serving routes over loopback", .serialized)
final class ServingLoopbackTests {
    let server: HTTPServer
    let models: StaticModels
    private var thread: pthread_t?

    init() throws {
        let harness = try ServingHarness.standard()
        models = harness.models
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 0, loopCount: 1, workerCount: 2)
        configuration.limits.maxBodySize = 1 << 20
        server = try HTTPServer(configuration: configuration, responder: harness.responder,
                                logger: Logger(label: "test", handler: InMemoryLogHandler(), logLevel: .error))
        let server = self.server
        thread = NativeThread.start(name: "serving-test") { try? server.run() }
    }

    deinit {
        server.shutdown()
        if let thread { pthread_join(thread, nil) }
    }

    func send(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []) throws -> BlockingHTTPClient.Response {
        try BlockingHTTPClient.request(port: server.port, method: method, path: path, headers: headers, body: body, timeout: .seconds(10))
    }

    func json(_ method: String, _ path: String, _ text: String) throws -> BlockingHTTPClient.Response {
        try send(method, path, headers: [("Content-Type", "application/json")], body: Array(text.utf8))
    }

    func error(_ response: BlockingHTTPClient.Response) -> String? {
        (try? parseJSON(response.body))?["error"]?.string
    }

    @Test func seedRoutes() throws {
        #expect(try send("GET", "/").status == 200)
        #expect(try send("GET", "/health").bodyText == #"{"status":"ok"}"#)
        #expect(try send("GET", "/health/ready").status == 200)
        #expect(try send("GET", "/db-check").bodyText == #"{"ok":true,"database":"sqlite"}"#)
        let predict = try json("POST", "/predict", #"{"features":[1,0,0]}"#)
        #expect(predict.bodyText == #"{"predictions":[0.75],"model":"affine","model_version":"1"}"#)
        #expect(predict.headers["content-type"] == "application/json")
        let bad = try json("POST", "/predict", #"{"features":[1,0,0"#)
        #expect(bad.status == 400)
        #expect(error(bad)?.hasPrefix("invalid JSON at line 1, column 19") == true)
    }

    @Test func v2Routes() throws {
        #expect(try send("GET", "/v2/health/live").status == 200)
        #expect(try send("GET", "/v2/health/ready").status == 200)
        #expect(try parseJSON(try send("GET", "/v2").body)["extensions"]?.array?.count == 5)
        #expect(try send("GET", "/v2/models/affine").status == 200)
        #expect(try send("GET", "/v2/models/affine/versions/2").status == 200)
        #expect(try send("GET", "/v2/models/affine/ready").status == 200)
        #expect(try send("GET", "/v2/models/affine/versions/1/ready").status == 200)
        #expect(try send("GET", "/v2/models/nope/ready").status == 404)
        // No Content-Type, as tritonclient sends it.
        let infer = try send("POST", "/v2/models/affine/infer", body: Array(#"{"id":"x","inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","data":[[1,1,1]]}]}"#.utf8))
        #expect(try parseJSON(infer.body)["id"] == .string("x"))
        #expect(try send("POST", "/v2/models/affine/versions/2/infer", body: Array(ServingRouteTests.affineRow.utf8)).status == 200)
        let stats = try #require(try parseJSON(try send("GET", "/v2/models/affine/versions/2/stats").body)["model_stats"]?.array?.first)
        #expect(stats["execution_count"] == .integer(1) && stats["inference_count"] == .integer(1))
        let success = stats["inference_stats"]?["success"]?["ns"]?.int64 ?? 0, run = stats["inference_stats"]?["compute_infer"]?["ns"]?.int64 ?? 0
        #expect(run > 0 && success > run, "the request's whole time, from its head's arrival, holds the model's run")
        #expect(try parseJSON(try send("GET", "/v2/models/affine/versions/2/config").body)["max_batch_size"] == .integer(0))
        let header = #"{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","parameters":{"binary_data_size":12}}],"parameters":{"binary_data_output":true}}"#
        let binary = try send("POST", "/v2/models/affine/infer", headers: [("Inference-Header-Content-Length", String(header.utf8.count))],
                              body: Array(header.utf8) + littleEndianBytes([Float(1), 1, 1]))
        let length = try #require(binary.headers["inference-header-content-length"].flatMap { Int($0) })
        #expect(Array(binary.body[length...]) == littleEndianBytes([Float(1.75)]))
        let mismatch = try send("POST", "/v2/models/affine/infer", headers: [("Inference-Header-Content-Length", String(header.utf8.count))],
                                body: Array(header.utf8) + littleEndianBytes([Float(1), 1]))
        #expect(mismatch.status == 400)
        #expect(error(mismatch)?.contains("binary_data_size is 12 bytes but only 8") == true)
        let shape = try send("POST", "/v2/models/affine/infer", body: Array(#"{"inputs":[{"name":"input","shape":[1,2],"datatype":"FP32","data":[1,1]}]}"#.utf8))
        #expect(error(shape) == "input 'input': expected FP32 [-1, 3], got FP32 [1, 2]")
        #expect(try send("POST", "/v2/models/affine/infer", body: Array(#"{"inputs":[{"name":"input","shape":[99999999,3],"datatype":"FP32","data":[1]}]}"#.utf8)).status == 413)
        #expect(try send("POST", "/v2/models/nope/infer", body: Array(ServingRouteTests.affineRow.utf8)).status == 404)
        #expect(try send("POST", "/v2/repository/index").status == 200)
        #expect(try send("POST", "/v2/repository/models/two/unload").bodyText == "{}")
        #expect(try send("POST", "/v2/repository/models/two/load").bodyText == "{}")
        #expect(try send("POST", "/v2/repository/models/nope/load").status == 404)
    }

    @Test func v1Routes() throws {
        #expect(try send("GET", "/v1/models").bodyText == #"{"models":["affine","two","types"]}"#)
        #expect(try send("GET", "/v1/models/affine").status == 200)
        #expect(try send("GET", "/v1/models/affine/versions/2").status == 200)
        #expect(try send("GET", "/v1/models/affine/labels/production").status == 200)
        #expect(try json("POST", "/v1/models/affine:predict", #"{"instances":[[1,1,1]]}"#).bodyText == #"{"predictions":[[1.75]]}"#)
        #expect(try json("POST", "/v1/models/affine/versions/2:predict", #"{"inputs":[[1,1,1]]}"#).bodyText == #"{"outputs":[[1.75]]}"#)
        #expect(try json("POST", "/v1/models/affine/labels/production:predict", #"{"instances":[[1,1,1]]}"#).status == 200)
        let both = try json("POST", "/v1/models/affine:predict", #"{"instances":[[1,1,1]],"inputs":[[1,1,1]]}"#)
        #expect(both.status == 400)
        #expect(error(both) != nil)
        #expect(try json("POST", "/v1/models/nope:predict", #"{"instances":[[1,1,1]]}"#).status == 404)
    }

    @Test func mlflowRoutes() throws {
        #expect(try send("GET", "/ping").status == 200)
        #expect(try send("GET", "/version").bodyText == MonolithVersion.current)
        #expect(try json("POST", "/invocations", #"{"dataframe_records":[{"a":1,"b":1,"c":1}]}"#).bodyText == #"{"predictions":[[1.75]]}"#)
        #expect(try json("POST", "/invocations/affine", #"{"instances":[[1,1,1]]}"#).bodyText == #"{"predictions":[[1.75]]}"#)
        let unsupported = try send("POST", "/invocations", headers: [("Content-Type", "application/xml")], body: Array("<x/>".utf8))
        #expect(unsupported.status == 415)
        #expect(try parseJSON(unsupported.body)["error_code"] == .string("BAD_REQUEST"))
        let bad = try json("POST", "/invocations", "[1,2]")
        #expect(bad.status == 400)
        #expect(try parseJSON(bad.body)["message"]?.string?.hasSuffix("Received a list.") == true)
    }

    @Test func managementRoutes() throws {
        #expect(try send("GET", "/api/models").status == 200)
        let file = ServingFixtures.bytes("two_inputs.onnx")
        let created = try send("POST", "/api/models/fresh/versions", headers: [("Content-Type", "application/octet-stream")], body: file)
        #expect(created.status == 201)
        #expect(try parseJSON(created.body)["outputs"]?.array?.count == 2)
        #expect(try send("GET", "/api/models/fresh/versions/1").status == 200)
        let garbage = try send("POST", "/api/models/fresh/versions", headers: [("Content-Type", "application/octet-stream")], body: [0x08, 0xFF, 0xFF])
        #expect(garbage.status == 400)
        #expect(try send("PUT", "/api/models/fresh/aliases/production", headers: [("Content-Type", "application/json")], body: Array(#"{"version":1}"#.utf8)).status == 200)
        #expect(try send("DELETE", "/api/models/fresh/aliases/production").status == 200)
        #expect(try send("DELETE", "/api/models/fresh/versions/1").status == 200)
        #expect(try send("DELETE", "/api/models/fresh/versions/1").status == 404)
    }

    @Test func docsRoutes() throws {
        let spec = try send("GET", "/openapi.json")
        #expect(try parseJSON(spec.body)["openapi"] == .string("3.1.0"))
        for page in ["/docs", "/redoc"] {
            let html = try send("GET", page)
            #expect(html.status == 200)
            #expect(html.headers["content-type"] == "text/html; charset=utf-8")
            #expect(!html.bodyText.contains("https://"), "\(page) loads nothing from outside")
        }
    }

    @Test func unknownRoutesAnswerJSON404() throws {
        let r = try send("GET", "/v2/nothing/here")
        #expect(r.status == 404)
        #expect(error(r) != nil)
        let mlflow = try send("POST", "/invocations/a/b")
        #expect(mlflow.status == 404)
        #expect(try parseJSON(mlflow.body)["error_code"] == .string("ENDPOINT_NOT_FOUND"))
    }
}
