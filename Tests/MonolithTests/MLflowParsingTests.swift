@testable import HTTPKit
import StoreKitLite
import Testing
@testable import Monolith

/// The pieces under the MLflow routes: the filter language, page tokens, ordering, request
/// fields, `MLmodel` files and source classification.
@Suite("MLflow parsing")
struct MLflowParsingTests {
    typealias Clause = MLflowFilter.Clause

    @Test func filtersParseMLflowsGrammar() throws {
        #expect(try MLflowFilter(parsing: nil).clauses.isEmpty)
        #expect(try MLflowFilter(parsing: "  ").clauses.isEmpty)
        #expect(try MLflowFilter(parsing: "name = 'a''b'").clauses == [Clause(entity: .attribute, key: "name", comparator: .equal, value: .string("a'b"))])
        let parsed = try MLflowFilter(parsing: #"name LIKE "x%" and tags.`my key` != 'v' AND metrics.loss<=0.5 AND params.p IN ('a', "b") AND run_id NOT in ('c')"#)
        #expect(parsed.clauses == [
            Clause(entity: .attribute, key: "name", comparator: .like, value: .string("x%")),
            Clause(entity: .tag, key: "my key", comparator: .notEqual, value: .string("v")),
            Clause(entity: .metric, key: "loss", comparator: .lessOrEqual, value: .number(0.5)),
            Clause(entity: .param, key: "p", comparator: .in, value: .list(["a", "b"])),
            Clause(entity: .attribute, key: "run_id", comparator: .notIn, value: .list(["c"])),
        ])
        #expect(try MLflowFilter(parsing: "tags.mlflow.runName ILIKE '%X%'").clauses.first?.key == "mlflow.runName")
        #expect(try MLflowFilter(parsing: "attributes.start_time > -5").clauses.first?.value == .number(-5))
        for bad in ["name", "name =", "name = 'x' OR name = 'y'", "name = 'unterminated", "(name = 'x')", "foo.bar = 'x'",
                    "name = x", "name IN 'x'", "name IN ('x'", "tags. = 'x'", "name NOT 'x'", "name = 'x' AND"] {
            #expect(throws: MLflowError.self, "\(bad)") { try MLflowFilter(parsing: bad) }
        }
        #expect(throws: MLflowError.self) { try MLflowFilter(parsing: String(repeating: "a", count: 5000)) }
    }

    @Test func likeMatchesLikeSQL() {
        #expect(MLflowFilter.like("churn-model", "churn%", caseInsensitive: false))
        #expect(MLflowFilter.like("churn", "c_urn", caseInsensitive: false))
        #expect(!MLflowFilter.like("Churn", "churn%", caseInsensitive: false))
        #expect(MLflowFilter.like("Churn", "churn%", caseInsensitive: true))
        #expect(MLflowFilter.like("abc", "%", caseInsensitive: false) && MLflowFilter.like("", "%", caseInsensitive: false))
        #expect(!MLflowFilter.like("abc", "ab", caseInsensitive: false) && MLflowFilter.like("a%c", "a%c", caseInsensitive: false))
        #expect(MLflowFilter.like("xaxbxc", "%a%b%c", caseInsensitive: false) && !MLflowFilter.like("xaxbx", "%a%b%c", caseInsensitive: false))
        // Hostile patterns stay linear-ish (no exponential backtracking).
        #expect(!MLflowFilter.like(String(repeating: "a", count: 5000), String(repeating: "%a", count: 100) + "b", caseInsensitive: false))
    }

    @Test func stringAndNumberMatching() throws {
        let eq = Clause(entity: .attribute, key: "name", comparator: .equal, value: .string("a"))
        #expect(try MLflowFilter.matches("a", eq) && !(try MLflowFilter.matches(nil as String?, eq)))
        let less = Clause(entity: .metric, key: "m", comparator: .less, value: .number(1))
        #expect(try MLflowFilter.matches(0.5, less) && !(try MLflowFilter.matches(2.0, less)))
        #expect(throws: MLflowError.self) { try MLflowFilter.matches("a", less) }
        let quoted = Clause(entity: .attribute, key: "version_number", comparator: .greaterOrEqual, value: .string("2"))
        #expect(try MLflowFilter.matches(2.0, quoted))
        let (filter, excluded) = try MLflowFilter(parsing: "name = 'x' AND tag.`mlflow.prompt.is_prompt` != 'true'").promptHandling()
        #expect(excluded && filter.clauses.count == 1)
        let (prompts, notExcluded) = try MLflowFilter(parsing: "tags.`mlflow.prompt.is_prompt` = 'true'").promptHandling()
        #expect(!notExcluded && prompts.clauses.count == 1)
    }

    @Test func pageTokensAreMLflowsAndRefuseGarbage() throws {
        let token = MLflowPaging.token(offset: 100)
        #expect(token == "eyJvZmZzZXQiOiAxMDB9", "base64 of {\"offset\": 100}, as MLflow's stores make them")
        #expect(try MLflowPaging.offset(token: token) == 100)
        #expect(try MLflowPaging.offset(token: nil) == 0 && MLflowPaging.offset(token: "") == 0)
        for bad in ["!!!", "eyJ4IjogMX0=", Base64.encode(Array(#"{"offset": -1}"#.utf8)), Base64.encode(Array("[]".utf8)),
                    String(repeating: "A", count: 5000)] {
            #expect(throws: MLflowError.self, "\(bad)") { try MLflowPaging.offset(token: bad) }
        }
        let items = Array(0..<5)
        let first = MLflowPaging.page(items, offset: 0, limit: 2)
        #expect(Array(first.items) == [0, 1] && first.next != nil)
        let last = MLflowPaging.page(items, offset: 4, limit: 2)
        #expect(Array(last.items) == [4] && last.next == nil)
        #expect(MLflowPaging.page(items, offset: 10, limit: 2).items.isEmpty)
    }

    @Test func orderByTermsAndSorting() throws {
        let terms = try MLflowPaging.order(["name DESC", "`last_updated_timestamp`", "metrics.loss asc"], valid: "") { entity, key in
            entity == .metric || key == "name" || key == "last_updated_timestamp" ? key : nil
        }
        #expect(terms.map(\.ascending) == [false, true, true] && terms.map(\.key) == ["name", "last_updated_timestamp", "loss"])
        #expect(throws: MLflowError.self) { try MLflowPaging.order(["color"], valid: "") { _, _ in nil } }
        #expect(throws: MLflowError.self) { try MLflowPaging.order(["name", "name DESC"], valid: "") { _, k in k } }
        #expect(throws: MLflowError.self) { try MLflowPaging.order(["name SIDEWAYS"], valid: "") { _, k in k } }
        let sorted = MLflowPaging.sort([("b", 2.0), ("a", 2.0), ("c", 1.0), ("d", Double.nan)], by: [
            .init(entity: .metric, key: "v", ascending: false), .init(entity: .attribute, key: "name", ascending: true),
        ]) { item, term -> MLflowPaging.SortValue in
            term.key == "v" ? (item.1.isNaN ? .absent : .number(item.1)) : .text(item.0)
        }
        #expect(sorted.map(\.0) == ["a", "b", "c", "d"], "absent values last")
    }

    @Test func fieldsFromQueriesAndBodies() throws {
        let query = MLflowFields(query: QueryParameters(parsing: "name=a&stages=Production&stages=None&max_results=10&flag=True&n=x"))
        #expect(try query.required("name") == "a" && query.strings("stages") == ["Production", "None"])
        #expect(try query.int64("max_results") == 10 && query.bool("flag") == true)
        #expect(throws: MLflowError.self) { try query.int64("n") }
        #expect(throws: MLflowError.self) { try query.bool("n") }
        #expect(throws: MLflowError.self) { try query.required("missing") }
        let body = try MLflowFields(request: Request(method: .post, target: "/", body: .bytes(Array(#"""
            {"id": 7, "big": "9007199254740993", "nan": "NaN", "inf": Infinity, "t": null, "tags": [{"key": "a", "value": "1"}, {"key": "a", "value": "2"}]}
            """#.utf8))))
        #expect(try body.string("id") == "7" && body.int64("big") == 9_007_199_254_740_993)
        #expect(try body.double("nan")?.isNaN == true && body.double("inf") == .infinity)
        #expect(try body.string("t") == nil && !body.has("t"))
        #expect(try body.keyValueDictionary("tags") == ["a": "2"])
        #expect(try MLflowFields(request: Request(method: .delete, target: "/", body: .bytes([]))).string("x") == nil)
        #expect(throws: JSONError.self) { try MLflowFields(request: Request(method: .post, target: "/", body: .bytes(Array("{".utf8)))) }
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONError.self) { try MLflowFields(request: Request(method: .post, target: "/", body: .bytes(Array(#"{"a": \#(deep)}"#.utf8)))) }
    }

    @Test func mlmodelFilesNameTheONNXFile() {
        let written = """
            artifact_path: model
            flavors:
              onnx:
                code: null
                data: "net.onnx"  # the graph
                onnx_version: 1.15.0
              python_function:
                data: model.onnx
                loader_module: mlflow.onnx
            mlflow_version: 2.9.2
            """
        #expect(MLmodelFile.onnxDataPath(written) == .success("net.onnx"))
        #expect(MLmodelFile.onnxDataPath("flavors:\r\n    onnx:\r\n        onnx_version: 1\r\n") == .success("model.onnx"))
        #expect(MLmodelFile.onnxDataPath("flavors:\n  sklearn:\n    data: model.pkl\n") ==
                .failure(.init(message: "the model has no onnx flavor (flavors: sklearn); this server serves ONNX models: log it with mlflow.onnx")))
        #expect(MLmodelFile.onnxDataPath("not yaml at all") == .failure(.init(message: "no flavors found: not an MLflow model")))
        #expect(MLmodelFile.onnxDataPath("") == .failure(.init(message: "no flavors found: not an MLflow model")))
        #expect(MLmodelFile.onnxDataPath("python_function:\n  onnx:\n    data: x\n") == .failure(.init(message: "no flavors found: not an MLflow model")))
    }

    @Test func openAPIDescribesEveryRouteOnce() throws {
        let h = try MLflowHarness()
        let routes = MLflowRoutes(service: MLflowService(registry: h.registry, importer: h.importer))
        let document = try parseJSON(try DocsRoutes(describing: [routes]).document())
        let paths = try #require(document["paths"]?.object)
        var described: Set<String> = []
        for (path, item) in paths where path.hasPrefix("/api/2.0/mlflow/") {
            for (method, operation) in try #require(item.object) {
                described.insert("\(method.uppercased()) \(path)")
                #expect(operation["responses"]?["200"] != nil && operation["responses"]?["404"] != nil, "\(method) \(path)")
                #expect(operation["security"]?.array?.count == 2, "\(method) \(path) needs a key")
            }
        }
        let served = Set(MLflowRoutes.endpoints.map { "\($0.method.rawValue) \(MLflowRoutes.prefixes[0])/\($0.path)" })
        #expect(described == served)
        for name in ["MLflowRegisteredModel", "MLflowModelVersion", "MLflowExperiment", "MLflowRun", "MLflowError"] {
            #expect(document["components"]?["schemas"]?[name] != nil, "\(name)")
        }
    }

    @Test func sourceClassification() throws {
        let store = try MetadataStore.inMemory()
        let policy = MLflowSourcePolicy(root: "/srv/models/")
        #expect(try policy.classify("/srv/models/a.onnx", store: store) == .local(path: "/srv/models/a.onnx"))
        #expect(try policy.classify("file:///srv/models/x%20y/./m", store: store) == .local(path: "/srv/models/x y/m"))
        #expect(try policy.classify("FILE://localhost/srv/models/m", store: store) == .local(path: "/srv/models/m"))
        #expect(try policy.classify("file:/srv/models/m", store: store) == .local(path: "/srv/models/m"))
        for outside in ["/srv/models-other/a.onnx", "/srv/models/../secret", "/srv/models/a/../../b", "/etc/passwd", "model.onnx",
                        "file://evil/srv/models/a", "file:srv/models/a", "file:///srv/models/a#x", "/srv/models/a\u{0}b", "/srv/models/\n"] {
            #expect(throws: MLflowError.self, "\(outside)") { try policy.classify(outside, store: store) }
        }
        for remote in ["s3://b/k", "gs://b/k", "wasbs://c@a.blob.core.windows.net/k", "https://x/m.onnx", "dbfs:/m", "mlflow-artifacts:/0/r/artifacts/m", "models:/m/1"] {
            guard case .unavailable = try policy.classify(remote, store: store) else {
                Issue.record("\(remote) should be unavailable")
                continue
            }
        }
        #expect(throws: MLflowError.self) { try MLflowSourcePolicy(root: nil).classify("/srv/models/a.onnx", store: store) }
        // runs:/ goes through the run's artifact URI.
        let local = try store.createExperiment(name: "local", artifactLocation: "file:///srv/models/mlruns/1")
        let run = try store.createRun(experimentID: local.id)
        #expect(try policy.classify("runs:/\(run.info.runID)/model", store: store) == .local(path: "/srv/models/mlruns/1/\(run.info.runID)/artifacts/model"))
        let proxied = try store.createRun()
        guard case .unavailable(let reason) = try policy.classify("runs:/\(proxied.info.runID)/model", store: store) else {
            Issue.record("mlflow-artifacts runs are unavailable")
            return
        }
        #expect(reason.contains("mlflow-artifacts:/0"))
        #expect(throws: MLflowError.self) { try policy.classify("runs:/nope/model", store: store) }
        #expect(MLflowSourcePolicy.normalize("/a/./b//c/../d") == "/a/b/d" && MLflowSourcePolicy.normalize("/..") == nil)
    }
}
