import HTTPKit
import ModelKit
import Testing
@testable import Monolith

/// Every serving route through the responder, without a socket.
@Suite("Serving routes")
struct ServingRouteTests {
    let h: ServingHarness

    init() throws {
        h = try ServingHarness.standard()
    }

    static let affineRow = #"{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","data":[1,1,1]}]}"#

    // MARK: Seed routes

    @Test func predictUsesTheDefaultModelAndItsProductionAlias() throws {
        let r = h.send(.post, "/predict", json: #"{"features":[1,0,0]}"#)
        #expect(r.status == 200)
        #expect(r.text == #"{"predictions":[0.75],"model":"affine","model_version":"1"}"#)
        #expect(r.options.offload == false, "a ready model runs inline on the loop")
        let rows = h.send(.post, "/predict", json: #"{"instances":[[1,0,0],[0,1,1]]}"#)
        #expect(try rows.json()["predictions"] == .array([.double(0.75), .double(1.25)]))
    }

    @Test func predictWithoutADefaultNeedsExactlyOneModel() throws {
        let several = try ServingHarness.standard(defaultModel: nil)
        let r = several.send(.post, "/predict", json: #"{"features":[1,0,0]}"#)
        #expect(r.status == 404)
        #expect(r.error?.contains("MONOLITH_DEFAULT_MODEL") == true)
        let models = StaticModels()
        models.add("only", version: "7", session: try ServingFixtures.session("affine.onnx"))
        let single = try ServingHarness(models: models, environment: ServingEnvironment(models: models))
        #expect(single.send(.post, "/predict", json: #"{"features":[1,0,0]}"#).text == #"{"predictions":[0.75],"model":"only","model_version":"7"}"#)
        let empty = StaticModels()
        let none = try ServingHarness(models: empty, environment: ServingEnvironment(models: empty))
        #expect(none.send(.post, "/predict", json: #"{"features":[1,0,0]}"#).status == 503)
    }

    @Test func predictBadInput() {
        let malformed = h.send(.post, "/predict", json: #"{"features":[1,0,0}"#)
        #expect(malformed.status == 400)
        #expect(malformed.error?.hasPrefix("invalid JSON at line 1, column 19") == true)
        let shape = h.send(.post, "/predict", json: #"{"features":[1,0]}"#)
        #expect(shape.status == 400)
        #expect(shape.error == "input 'input': expected FP32 [-1, 3], got values of shape [1, 2]")
    }

    @Test func readinessAndDatabaseCheck() throws {
        #expect(h.send(.get, "/health/ready").status == 200)
        #expect(try h.send(.get, "/db-check").json() == parseJSON(#"{"ok":true,"database":"sqlite"}"#))
        let broken = try ServingHarness.standard(databaseCheck: { "disk I/O error" })
        let db = broken.send(.get, "/db-check")
        #expect(db.status == 503)
        #expect(try db.json()["error"] == .string("disk I/O error"))
        #expect(try db.json()["ok"] == .bool(false))
        #expect(broken.send(.get, "/health/ready").status == 503)
        h.models.add("slow", version: "1", session: nil, state: .loading)
        let loading = h.send(.get, "/health/ready")
        #expect(loading.status == 503)
        #expect(loading.error == "loading: slow")
        #expect(h.send(.get, "/health").status == 200, "liveness does not depend on models")
    }

    // MARK: V2

    @Test func v2HealthAndServerMetadata() throws {
        #expect(h.send(.get, "/v2/health/live").status == 200)
        #expect(h.send(.get, "/v2/health/ready").status == 200)
        let meta = try h.send(.get, "/v2").json()
        #expect(meta["name"] == .string("monolith"))
        #expect(meta["extensions"] == .array([.string("binary_tensor_data"), .string("classification"), .string("model_repository"),
                                               .string("model_configuration"), .string("statistics")]))
        h.models.add("slow", version: "1", session: nil, state: .loading)
        #expect(h.send(.get, "/v2/health/ready").status == 400)
    }

    @Test func v2ModelMetadataWithAndWithoutVersion() throws {
        let meta = try h.send(.get, "/v2/models/affine").json()
        #expect(meta == (try parseJSON(#"{"name":"affine","versions":["1","2"],"platform":"onnx_onnxv1","inputs":[{"name":"input","datatype":"FP32","shape":[-1,3]}],"outputs":[{"name":"output","datatype":"FP32","shape":[-1,1]}]}"#)))
        #expect(h.send(.get, "/v2/models/affine/versions/2").status == 200)
        #expect(h.send(.get, "/v2/models/affine/versions/9").status == 404)
        #expect(h.send(.get, "/v2/models/nope").status == 404)
        #expect(h.send(.get, "/v2/models/nope").error == "model 'nope' not found")
    }

    @Test func v2ModelReady() {
        #expect(h.send(.get, "/v2/models/affine/ready").status == 200)
        #expect(h.send(.get, "/v2/models/affine/versions/2/ready").status == 200)
        #expect(h.send(.get, "/v2/models/affine%40production/ready").status == 200)
        h.models.setState("affine", version: "2", .failed, reason: "bad file")
        let failed = h.send(.get, "/v2/models/affine/versions/2/ready")
        #expect(failed.status == 400)
        #expect(failed.error?.contains("bad file") == true)
        #expect(h.send(.get, "/v2/models/nope/ready").status == 404)
    }

    @Test func v2InferJSONWithAndWithoutVersionAndAlias() throws {
        for path in ["/v2/models/affine/infer", "/v2/models/affine/versions/2/infer", "/v2/models/affine@production/infer", "/v2/models/affine%40latest/infer"] {
            let r = h.send(.post, path, body: Array(ServingRouteTests.affineRow.utf8))
            #expect(r.status == 200, "\(path)")
            let json = try r.json()
            #expect(json["outputs"]?.array?.first?["data"] == .array([.double(1.75)]), "\(path)")
        }
        #expect(try h.send(.post, "/v2/models/affine/infer", body: Array(ServingRouteTests.affineRow.utf8)).json()["model_version"] == .string("1"))
        #expect(try h.send(.post, "/v2/models/affine@latest/infer", body: Array(ServingRouteTests.affineRow.utf8)).json()["model_version"] == .string("2"))
    }

    @Test func v2InferBinaryTensors() throws {
        let header = #"{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","parameters":{"binary_data_size":12}}],"outputs":[{"name":"output","parameters":{"binary_data":true}}]}"#
        let body = Array(header.utf8) + littleEndianBytes([Float(1), 1, 1])
        let r = h.send(.post, "/v2/models/affine/infer", headers: [("Inference-Header-Content-Length", String(header.utf8.count))], body: body)
        #expect(r.status == 200)
        let length = try #require(r.response.headers["Inference-Header-Content-Length"].flatMap { Int($0) })
        let json = try parseJSON(Array(r.bytes[0..<length]))
        #expect(json["outputs"]?.array?.first?["parameters"]?["binary_data_size"] == .integer(4))
        #expect(Array(r.bytes[length...]) == littleEndianBytes([Float(1.75)]))
        let wrong = h.send(.post, "/v2/models/affine/infer", headers: [("Inference-Header-Content-Length", String(header.utf8.count))], body: body + [0])
        #expect(wrong.status == 400)
        let badHeader = h.send(.post, "/v2/models/affine/infer", headers: [("Inference-Header-Content-Length", "x")], body: body)
        #expect(badHeader.status == 400)
        // tritonclient's request_compression_algorithm gzips the whole body; the header length
        // counts the decoded bytes.
        let gzipped = h.send(.post, "/v2/models/affine/infer", headers: [("Inference-Header-Content-Length", String(header.utf8.count)),
                                                                         ("Content-Encoding", "gzip")], body: try #require(ContentCoding.gzip.encode(body)))
        #expect(gzipped.status == 200 && Array(gzipped.bytes.suffix(4)) == littleEndianBytes([Float(1.75)]))
        let notGzip = h.send(.post, "/v2/models/affine/infer", headers: [("Content-Encoding", "gzip")], body: Array(ServingRouteTests.affineRow.utf8))
        #expect(notGzip.status == 400 && notGzip.error?.contains("not valid gzip data") == true)
        let brotli = h.send(.post, "/v2/models/affine/infer", headers: [("Content-Encoding", "br")], body: Array(ServingRouteTests.affineRow.utf8))
        #expect(brotli.status == 415 && brotli.response.headers["Accept-Encoding"] == "gzip, deflate")
    }

    @Test func v2InferErrors() {
        #expect(h.send(.post, "/v2/models/nope/infer", body: Array(ServingRouteTests.affineRow.utf8)).status == 404)
        #expect(h.send(.post, "/v2/models/affine/versions/9/infer", body: Array(ServingRouteTests.affineRow.utf8)).status == 404)
        #expect(h.send(.post, "/v2/models/affine@nope/infer", body: Array(ServingRouteTests.affineRow.utf8)).status == 404)
        let datatype = h.send(.post, "/v2/models/affine/infer", json: #"{"inputs":[{"name":"input","shape":[1,3],"datatype":"INT64","data":[1,1,1]}]}"#)
        #expect(datatype.status == 400)
        #expect(datatype.error == "input 'input': expected FP32 [-1, 3], got INT64 [1, 3]")
        let big = h.send(.post, "/v2/models/affine/infer", json: #"{"inputs":[{"name":"input","shape":[100000000,3],"datatype":"FP32","data":[1,1,1]}]}"#)
        #expect(big.status == 413)
        let malformed = h.send(.post, "/v2/models/affine/infer", json: #"{"inputs":"#)
        #expect(malformed.status == 400)
        #expect(malformed.error?.contains("line 1, column 11") == true)
        h.models.setState("affine", version: "1", .failed, reason: "checksum mismatch")
        let failed = h.send(.post, "/v2/models/affine/infer", body: Array(ServingRouteTests.affineRow.utf8))
        #expect(failed.status == 503)
        #expect(failed.response.headers["Retry-After"] == "1")
    }

    @Test func v2RepositoryExtension() throws {
        let index = try h.send(.post, "/v2/repository/index").json()
        #expect(index.array?.count == 4)
        #expect(index.array?.first == (try parseJSON(#"{"name":"affine","version":"1","state":"READY","reason":""}"#)))
        #expect(h.send(.post, "/v2/repository/models/affine/unload").text == "{}")
        #expect(h.send(.post, "/v2/repository/models/affine/unload").options.offload)
        let unloaded = try h.send(.post, "/v2/repository/index", json: #"{"ready":true}"#).json()
        #expect(unloaded.array?.count == 2)
        #expect(h.send(.post, "/v2/models/affine/infer", body: Array(ServingRouteTests.affineRow.utf8)).status == 503)
        #expect(h.send(.post, "/v2/repository/models/affine/load").status == 200)
        #expect(h.send(.post, "/v2/models/affine/infer", body: Array(ServingRouteTests.affineRow.utf8)).status == 200)
        #expect(h.send(.post, "/v2/repository/models/nope/load").status == 404)
        #expect(h.send(.post, "/v2/repository/index", json: #"{"ready":"yes"}"#).status == 400)
    }

    // MARK: V1

    @Test func v1ModelsAndStatus() throws {
        #expect(try h.send(.get, "/v1/models").json() == (try parseJSON(#"{"models":["affine","two","types"]}"#)))
        let all = try h.send(.get, "/v1/models/affine").json()
        #expect(all["model_version_status"]?.array?.map { $0["version"] } == [.string("2"), .string("1")])
        #expect(try h.send(.get, "/v1/models/affine/versions/1").json() == (try parseJSON(#"{"model_version_status":[{"version":"1","state":"AVAILABLE","status":{"error_code":"OK","error_message":""}}]}"#)))
        #expect(try h.send(.get, "/v1/models/affine/labels/production").json()["model_version_status"]?.array?.first?["version"] == .string("1"))
        #expect(h.send(.get, "/v1/models/affine/labels/canary").status == 404)
        let missing = h.send(.get, "/v1/models/nope")
        #expect(missing.status == 404)
        #expect(missing.error == "Servable not found for request: Latest(nope)")
        h.models.setState("affine", version: "2", .failed, reason: "bad op")
        #expect(try h.send(.get, "/v1/models/affine/versions/2").json() == (try parseJSON(#"{"model_version_status":[{"version":"2","state":"END","status":{"error_code":"UNKNOWN","error_message":"bad op"}}]}"#)))
    }

    @Test func v1Predict() throws {
        #expect(h.send(.post, "/v1/models/affine:predict", json: #"{"instances":[[1,1,1]]}"#).text == #"{"predictions":[[1.75]]}"#)
        #expect(h.send(.post, "/v1/models/affine/versions/2:predict", json: #"{"inputs":[[1,1,1]]}"#).text == #"{"outputs":[[1.75]]}"#)
        #expect(h.send(.post, "/v1/models/affine/labels/production:predict", json: #"{"instances":[[1,1,1]]}"#).status == 200)
        let both = h.send(.post, "/v1/models/affine:predict", json: #"{"instances":[[1,1,1]],"inputs":[[1,1,1]]}"#)
        #expect(both.status == 400)
        #expect(both.error == "the request has both 'instances' and 'inputs'; send exactly one")
        #expect(h.send(.post, "/v1/models/nope:predict", json: #"{"instances":[[1,1,1]]}"#).status == 404)
        #expect(h.send(.post, "/v1/models/affine/labels/canary:predict", json: #"{"instances":[[1,1,1]]}"#).status == 404)
        #expect(h.send(.post, "/v1/models/affine:predict", json: #"{"instances":[[NaN,1,1]]}"#).text == #"{"predictions":[[NaN]]}"#)
    }

    // MARK: MLflow scoring

    @Test func mlflowScoring() throws {
        #expect(h.send(.get, "/ping").status == 200)
        #expect(h.send(.get, "/version").text == MonolithVersion.current)
        let split = h.send(.post, "/invocations", json: #"{"dataframe_split":{"columns":["a","b","c"],"data":[[1,1,1]]}}"#)
        #expect(split.text == #"{"predictions":[[1.75]]}"#)
        let csv = h.send(.post, "/invocations/two", headers: [("Content-Type", "text/csv")], body: Array("a,b\n1,2\n".utf8))
        #expect(csv.status == 400, "two inputs of shape [N, 2] cannot come from two scalar columns")
        #expect(try csv.json()["error_code"] == .string("BAD_REQUEST"))
        let named = h.send(.post, "/invocations/affine", headers: [("Content-Type", "text/csv; charset=utf-8")], body: Array("x,y,z\n1,1,1\n".utf8))
        #expect(named.text == #"{"predictions":[[1.75]]}"#)
        let text = h.send(.post, "/invocations", headers: [("Content-Type", "text/plain")], body: Array("1,2,3".utf8))
        #expect(text.status == 415)
        #expect(try text.json()["error_code"] == .string("BAD_REQUEST"))
        let unknown = h.send(.post, "/invocations/nope", json: #"{"instances":[[1,1,1]]}"#)
        #expect(unknown.status == 404)
        #expect(try unknown.json()["error_code"] == .string("RESOURCE_DOES_NOT_EXIST"))
        let both = h.send(.post, "/invocations", json: #"{"instances":[[1,1,1]],"inputs":[[1,1,1]]}"#)
        #expect(both.status == 400)
        #expect(try both.json()["message"]?.string?.hasPrefix("The input must be a JSON dictionary with exactly one of the input fields") == true)
    }

    // MARK: Management

    @Test func managementUploadListAliasDelete() throws {
        let list = try h.send(.get, "/api/models").json()
        #expect(list["models"]?.array?.first?["name"] == .string("affine"))
        #expect(list["models"]?.array?.first?["aliases"] == (try parseJSON(#"{"production":"1"}"#)))
        let file = ServingFixtures.bytes("affine.onnx")
        let created = h.send(.post, "/api/models/affine/versions", headers: [("Content-Type", "application/octet-stream")], body: file)
        #expect(created.status == 201)
        #expect(created.options.streamingBody && created.options.offload)
        let details = try created.json()
        #expect(details["version"] == .string("3"))
        #expect(details["inputs"] == (try parseJSON(#"[{"name":"input","datatype":"FP32","shape":[-1,3]}]"#)))
        #expect(created.response.headers["Location"] == "/api/models/affine/versions/3")
        #expect(h.send(.get, "/api/models/affine/versions/3").status == 200)

        let bad = h.send(.post, "/api/models/affine/versions", headers: [("Content-Type", "application/octet-stream")], body: Array("not a model".utf8))
        #expect(bad.status == 400)
        #expect(bad.error?.hasPrefix("the file is not a model") == true)
        #expect(h.send(.post, "/v2/models/affine/versions/3/infer", body: Array(ServingRouteTests.affineRow.utf8)).status == 200, "stored versions keep serving")
        #expect(h.send(.post, "/api/models/affine/versions", headers: [("Content-Type", "application/json")], body: file).status == 415)
        #expect(h.send(.post, "/api/models/bad%20name/versions", body: file).status == 400)

        let moved = h.send(.put, "/api/models/affine/aliases/production", json: #"{"version":"3"}"#)
        #expect(moved.status == 200)
        #expect(try moved.json()["aliases"] == .array([.string("production")]))
        #expect(try h.send(.post, "/v2/models/affine/infer", body: Array(ServingRouteTests.affineRow.utf8)).json()["model_version"] == .string("3"))
        #expect(h.send(.put, "/api/models/affine/aliases/production", json: #"{"v":"3"}"#).status == 400)
        #expect(h.send(.put, "/api/models/affine/aliases/production", json: #"{"version":"9"}"#).status == 404)
        #expect(h.send(.delete, "/api/models/affine/aliases/production").status == 200)
        #expect(h.send(.delete, "/api/models/affine/aliases/production").status == 404)
        #expect(h.send(.delete, "/api/models/affine/versions/3").status == 200)
        #expect(h.send(.get, "/api/models/affine/versions/3").status == 404)
    }

    @Test func largeInferenceBodiesRunOffTheLoop() throws {
        let rows = 40_000
        let data = Array(repeating: "[1,1,1]", count: rows).joined(separator: ",")
        let body = #"{"inputs":[{"name":"input","shape":[\#(rows),3],"datatype":"FP32","data":[\#(data)]}]}"#
        #expect(body.utf8.count > ServingResponder.inlineBodyLimit)
        let r = h.send(.post, "/v2/models/affine/infer", body: Array(body.utf8))
        #expect(r.status == 200)
        #expect(r.options.offload, "a big batch must not hold the event loop")
        #expect(try r.json()["outputs"]?.array?.first?["shape"] == .array([.integer(Int64(rows)), .integer(1)]))
        #expect(h.send(.post, "/v2/models/affine/infer", body: Array(ServingRouteTests.affineRow.utf8)).options.offload == false)
    }

    // MARK: Loading models

    @Test func aRequestForALoadingModelIsOffloadedAndWaits() throws {
        let models = StaticModels()
        let session = try ServingFixtures.session("affine.onnx")
        models.add("late", version: "1", session: session, state: .loading)
        let waiting = try ServingHarness(models: models, environment: ServingEnvironment(models: models, loadWait: .seconds(10)))
        let flip = Thread.detach { usleepMillis(100); models.setState("late", version: "1", .ready) }
        let r = waiting.send(.post, "/v2/models/late/infer", body: Array(ServingRouteTests.affineRow.utf8))
        flip.join()
        #expect(r.options.offload, "waiting happens off the event loop")
        #expect(r.status == 200)
    }

    @Test func aModelStillLoadingAfterTheWaitIs503() throws {
        let models = StaticModels()
        models.add("late", version: "1", session: nil, state: .loading)
        let waiting = try ServingHarness(models: models, environment: ServingEnvironment(models: models, loadWait: .milliseconds(50)))
        let r = waiting.send(.post, "/predict", json: #"{"features":[1,1,1]}"#)
        #expect(r.options.offload)
        #expect(r.status == 503)
        #expect(r.error == "model 'late' is still loading; retry shortly")
        #expect(waiting.send(.get, "/v2/models/late/ready").status == 400, "readiness never waits")
    }
}
