#if canImport(Glibc)
import Glibc
#endif
import HTTPKit
import Testing
@testable import Monolith

/// Triton's model configuration and statistics extensions (`/v2/models/.../config`,
/// `/v2/models[/...]/stats`) through the responder, without a socket.
@Suite("Triton extension routes")
struct TritonExtensionRouteTests {
    let h: ServingHarness

    init() throws {
        h = try ServingHarness.standard()
    }

    static func row(_ rows: Int) -> String {
        let data = [String](repeating: "1,1,1", count: rows).joined(separator: ",")
        return #"{"inputs":[{"name":"input","shape":[\#(rows),3],"datatype":"FP32","data":[\#(data)]}]}"#
    }

    /// The stats of the one model version `path` answers for.
    func stats(_ path: String) throws -> JSONValue {
        let r = h.send(.get, path)
        #expect(r.status == 200, "\(path): \(r.text)")
        let list = try #require(try r.json()["model_stats"]?.array)
        #expect(list.count == 1, "\(path)")
        return try #require(list.first)
    }

    static func count(_ stats: JSONValue, _ name: String) -> Int64? { stats["inference_stats"]?[name]?["count"]?.int64 }
    static func nanos(_ stats: JSONValue, _ name: String) -> Int64? { stats["inference_stats"]?[name]?["ns"]?.int64 }

    static func epochMillis() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    // MARK: Model configuration

    @Test func configOfAModelWithEveryDatatype() throws {
        let config = try h.send(.get, "/v2/models/types/config").json()
        let types = [
            ("bool", "TYPE_BOOL"), ("uint8", "TYPE_UINT8"), ("uint16", "TYPE_UINT16"), ("uint32", "TYPE_UINT32"),
            ("uint64", "TYPE_UINT64"), ("int8", "TYPE_INT8"), ("int16", "TYPE_INT16"), ("int32", "TYPE_INT32"),
            ("int64", "TYPE_INT64"), ("fp16", "TYPE_FP16"), ("fp32", "TYPE_FP32"), ("fp64", "TYPE_FP64"), ("bytes", "TYPE_STRING"),
        ]
        func tensors(_ prefix: String) -> String {
            types.map { #"{"name":"\#(prefix)_\#($0.0)","data_type":"\#($0.1)","dims":[-1,2]}"# }.joined(separator: ",")
        }
        let expected = try parseJSON(#"""
            {"name":"types","platform":"onnxruntime_onnx","backend":"onnxruntime","version_policy":{"all":{}},"max_batch_size":0,
             "input":[\#(tensors("x"))],"output":[\#(tensors("y"))]}
            """#)
        #expect(config == expected)
        // The FP32 and INT64 entries, spelled out.
        let inputs = try #require(config["input"]?.array)
        #expect(inputs.contains(try parseJSON(#"{"name":"x_fp32","data_type":"TYPE_FP32","dims":[-1,2]}"#)))
        #expect(inputs.contains(try parseJSON(#"{"name":"x_int64","data_type":"TYPE_INT64","dims":[-1,2]}"#)))
        #expect(config["output"]?.array?.contains(try parseJSON(#"{"name":"y_int64","data_type":"TYPE_INT64","dims":[-1,2]}"#)) == true)
    }

    @Test func configResolvesVersionsLikeMetadata() throws {
        let expected = try parseJSON(#"""
            {"name":"affine","platform":"onnxruntime_onnx","backend":"onnxruntime","version_policy":{"all":{}},"max_batch_size":0,
             "input":[{"name":"input","data_type":"TYPE_FP32","dims":[-1,3]}],"output":[{"name":"output","data_type":"TYPE_FP32","dims":[-1,1]}]}
            """#)
        for path in ["/v2/models/affine/config", "/v2/models/affine/versions/2/config", "/v2/models/affine%40latest/config"] {
            let r = h.send(.get, path)
            #expect(r.status == 200, "\(path)")
            #expect(try r.json() == expected, "\(path)")
        }
        let unknown = h.send(.get, "/v2/models/nope/config")
        #expect(unknown.status == 404)
        #expect(unknown.error == "model 'nope' not found")
        let version = h.send(.get, "/v2/models/affine/versions/9/config")
        #expect(version.status == 404)
        #expect(version.error == "model 'affine' has no version 9")
        h.models.setState("affine", version: "2", .failed, reason: "bad file")
        #expect(h.send(.get, "/v2/models/affine/versions/2/config").status == h.send(.get, "/v2/models/affine/versions/2").status)
        #expect(h.send(.get, "/v2/models/affine/versions/2/config").status == 503)
    }

    @Test func configOfALoadingModelWaitsLikeMetadata() throws {
        let models = StaticModels()
        models.add("late", version: "1", session: try ServingFixtures.session("affine.onnx"), state: .loading)
        let waiting = try ServingHarness(models: models, environment: ServingEnvironment(models: models, loadWait: .seconds(10)))
        let flip = Thread.detach { usleepMillis(100); models.setState("late", version: "1", .ready) }
        let r = waiting.send(.get, "/v2/models/late/config")
        flip.join()
        #expect(r.options.offload, "waiting happens off the event loop")
        #expect(r.status == 200)
        #expect(try r.json()["name"] == .string("late"))

        let stuck = StaticModels()
        stuck.add("late", version: "1", session: nil, state: .loading)
        let short = try ServingHarness(models: stuck, environment: ServingEnvironment(models: stuck, loadWait: .milliseconds(50)))
        let config = short.send(.get, "/v2/models/late/config")
        let metadata = short.send(.get, "/v2/models/late")
        #expect(config.status == 503 && metadata.status == 503)
        #expect(config.error == metadata.error)
    }

    // MARK: Statistics

    @Test func statsCountExactlyTheRequestsServed() throws {
        let zero = try stats("/v2/models/affine/versions/2/stats")
        #expect(zero == (try parseJSON(#"""
            {"name":"affine","version":"2","last_inference":0,"inference_count":0,"execution_count":0,
             "inference_stats":{"success":{"count":0,"ns":0},"fail":{"count":0,"ns":0},"queue":{"count":0,"ns":0},
               "compute_input":{"count":0,"ns":0},"compute_infer":{"count":0,"ns":0},"compute_output":{"count":0,"ns":0},
               "cache_hit":{"count":0,"ns":0},"cache_miss":{"count":0,"ns":0}},
             "batch_stats":[]}
            """#)))
        let before = Self.epochMillis()
        for rows in [1, 2, 2, 5] {
            #expect(h.send(.post, "/v2/models/affine/versions/2/infer", json: Self.row(rows)).status == 200)
        }
        let after = Self.epochMillis()
        let s = try stats("/v2/models/affine/versions/2/stats")
        #expect(s["inference_count"] == .integer(10), "rows summed: 1 + 2 + 2 + 5")
        #expect(s["execution_count"] == .integer(4))
        for name in ["success", "queue", "compute_input", "compute_infer", "compute_output"] {
            #expect(Self.count(s, name) == 4, "\(name)")
        }
        #expect(Self.count(s, "fail") == 0)
        #expect((Self.nanos(s, "compute_infer") ?? 0) > 0)
        #expect((Self.nanos(s, "compute_input") ?? 0) > 0)
        // success spans queue, input, infer and output.
        let parts = ["queue", "compute_input", "compute_infer", "compute_output"].compactMap { Self.nanos(s, $0) }.reduce(0, +)
        #expect(Self.nanos(s, "success") == parts)
        let last = try #require(s["last_inference"]?.int64)
        #expect(last >= before - 1 && last <= after + 1, "\(before) <= \(last) <= \(after)")
        let batches = try #require(s["batch_stats"]?.array)
        #expect(batches.map { $0["batch_size"] } == [.integer(1), .integer(2), .integer(5)])
        #expect(batches.map { $0["compute_infer"]?["count"] } == [.integer(1), .integer(2), .integer(1)])
        #expect(batches.allSatisfy { $0["compute_input"]?["count"] == $0["compute_output"]?["count"] })
        // Version 1 saw nothing of it.
        #expect(try stats("/v2/models/affine/versions/1/stats")["execution_count"] == .integer(0))
    }

    @Test func failuresCountAsFailAndNotAsInferences() throws {
        #expect(h.send(.post, "/v2/models/affine/versions/2/infer", json: Self.row(3)).status == 200)
        let wrongType = h.send(.post, "/v2/models/affine/versions/2/infer", json: #"{"inputs":[{"name":"input","shape":[1,3],"datatype":"INT64","data":[1,1,1]}]}"#)
        #expect(wrongType.status == 400)
        let wrongShape = h.send(.post, "/v2/models/affine/versions/2/infer", json: #"{"inputs":[{"name":"input","shape":[1,2],"datatype":"FP32","data":[1,1]}]}"#)
        #expect(wrongShape.status == 400)
        let s = try stats("/v2/models/affine/versions/2/stats")
        #expect(Self.count(s, "fail") == 2)
        #expect((Self.nanos(s, "fail") ?? 0) > 0)
        #expect(Self.count(s, "success") == 1)
        #expect(s["inference_count"] == .integer(3))
        #expect(s["execution_count"] == .integer(1))
        #expect((s["last_inference"]?.int64 ?? 0) > 0)
        // A request for an unknown model or version is no model's failure.
        #expect(h.send(.post, "/v2/models/affine/versions/9/infer", json: Self.row(1)).status == 404)
        #expect(Self.count(try stats("/v2/models/affine/versions/2/stats"), "fail") == 2)
    }

    @Test func everyInferenceRouteCounts() throws {
        // The production alias points at version 1: /predict, V1, /invocations and V2 serve it.
        #expect(h.send(.post, "/predict", json: #"{"features":[1,0,0]}"#).status == 200)
        #expect(h.send(.post, "/predict", json: #"{"instances":[[1,0,0],[0,1,1]]}"#).status == 200)
        #expect(h.send(.post, "/v1/models/affine:predict", json: #"{"instances":[[1,1,1],[1,1,1],[1,1,1]]}"#).status == 200)
        #expect(h.send(.post, "/invocations/affine", json: #"{"dataframe_split":{"columns":["a","b","c"],"data":[[1,1,1]]}}"#).status == 200)
        #expect(h.send(.post, "/v2/models/affine/infer", json: Self.row(4)).status == 200)
        #expect(h.send(.post, "/predict", json: #"{"features":[1,0]}"#).status == 400)
        let s = try stats("/v2/models/affine%40production/stats")
        #expect(s["version"] == .string("1"))
        #expect(s["inference_count"] == .integer(1 + 2 + 3 + 1 + 4))
        #expect(s["execution_count"] == .integer(5))
        #expect(Self.count(s, "fail") == 1)
    }

    @Test func statsListEveryReadyVersion() throws {
        #expect(h.send(.post, "/v2/models/two/infer", json: #"{"inputs":[{"name":"a","shape":[1,2],"datatype":"FP32","data":[1,2]},{"name":"b","shape":[1,2],"datatype":"FP32","data":[3,4]}]}"#).status == 200)
        let all = try h.send(.get, "/v2/models/stats").json()
        let entries = try #require(all["model_stats"]?.array)
        #expect(entries.map { "\($0["name"]?.string ?? "?") \($0["version"]?.string ?? "?")" } == ["affine 1", "affine 2", "two 1", "types 1"])
        #expect(entries[2]["execution_count"] == .integer(1))
        #expect(entries[2]["inference_count"] == .integer(1))
        let affine = try #require(try h.send(.get, "/v2/models/affine/stats").json()["model_stats"]?.array)
        #expect(affine.map { $0["version"] } == [.string("1"), .string("2")])
        // An unloaded version is not served, so not listed.
        h.models.setState("affine", version: "2", .unloaded, reason: "unloaded")
        #expect(try h.send(.get, "/v2/models/affine/stats").json()["model_stats"]?.array?.count == 1)
        #expect(try h.send(.get, "/v2/models/stats").json()["model_stats"]?.array?.count == 3)
    }

    @Test func statsOfUnknownModelsAndVersionsAre404() throws {
        let unknown = h.send(.get, "/v2/models/nope/stats")
        #expect(unknown.status == 404)
        #expect(unknown.error == "model 'nope' not found")
        let version = h.send(.get, "/v2/models/affine/versions/9/stats")
        #expect(version.status == 404)
        #expect(version.error == "model 'affine' has no version 9")
        #expect(h.send(.get, "/v2/models/affine%40canary/stats").status == 404)
        h.models.add("slow", version: "1", session: nil, state: .loading)
        let loading = h.send(.get, "/v2/models/slow/stats")
        #expect(loading.status == 503)
        #expect(loading.error == "model 'slow' is still loading; retry shortly")
        #expect(loading.options.offload == false, "statistics never wait")
    }

    @Test func newRoutesAreInferenceReadRoutes() throws {
        let templates = [
            "/v2/models/stats", "/v2/models/{m}/stats", "/v2/models/{m}/versions/{v}/stats",
            "/v2/models/{m}/config", "/v2/models/{m}/versions/{v}/config",
        ]
        let router = Router()
        V2Routes(environment: h.environment).register(on: router)
        let table = try router.buildResponder().routeTable
        for template in templates {
            let route = try #require(table.first { $0.template == template }, "\(template) is registered")
            #expect(route.method == .get)
            #expect(RoutePolicy.declared(route.options.tags) == .inference, "\(template)")
            #expect(RoutePolicy(routeTable: [route]).access == RoutePolicy(routeTable: table.filter { $0.template == "/v2/models/{m}" }).access)
        }
        // A model may still be called "stats" for its other routes.
        #expect(h.send(.post, "/v2/models/stats/infer", json: Self.row(1)).error == "model 'stats' not found")
    }

    @Test func serverMetadataListsTheExtensions() throws {
        let extensions = try #require(try h.send(.get, "/v2").json()["extensions"]?.array)
        #expect(extensions.contains(.string("model_configuration")))
        #expect(extensions.contains(.string("statistics")))
    }
}
