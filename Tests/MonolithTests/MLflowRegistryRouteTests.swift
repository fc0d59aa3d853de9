#if canImport(Glibc)
import Glibc
#endif
@testable import HTTPKit
import StoreKitLite
import Testing
@testable import Monolith

/// `registered-models/*` and `model-versions/*` over the real registry: MLflow's JSON and
/// error codes, imports from sources, and what serving sees.
@Suite("MLflow registry routes", .serialized)
struct MLflowRegistryRouteTests {
    @Test func registeredModelLifecycleInMLflowShape() throws {
        let h = try MLflowHarness()
        let created = h.post("registered-models/create", #"{"name": "churn", "description": "d", "tags": [{"key": "team", "value": "ml"}]}"#)
        #expect(created.status == 200)
        let model = try #require(created.json["registered_model"])
        #expect(model["name"] == .string("churn") && model["description"] == .string("d"))
        #expect(model["tags"] == .array([.object(JSONObject([("key", .string("team")), ("value", .string("ml"))]))]))
        guard case .integer(let created_at)? = model["creation_timestamp"], case .integer? = model["last_updated_timestamp"] else {
            Issue.record("timestamps must be JSON integers: \(created.text)")
            return
        }
        #expect(created_at > 1_600_000_000_000)
        #expect(model["latest_versions"] == nil && model["aliases"] == nil, "empty fields are omitted")

        let again = h.post("registered-models/create", #"{"name": "churn"}"#)
        #expect(again.status == 400 && again.errorCode == "RESOURCE_ALREADY_EXISTS")
        let missing = h.post("registered-models/create", #"{"description": "no name"}"#)
        #expect(missing.status == 400 && missing.errorCode == "INVALID_PARAMETER_VALUE")
        #expect(missing.message.contains("Missing value for required parameter 'name'"))
        let badName = h.post("registered-models/create", #"{"name": "has space"}"#)
        #expect(badName.status == 400 && badName.errorCode == "INVALID_PARAMETER_VALUE")
        let malformed = h.post("registered-models/create", #"{"name": "x""#)
        #expect(malformed.status == 400 && malformed.errorCode == "BAD_REQUEST")
        let wrongType = h.post("registered-models/create", #"{"name": ["x"]}"#)
        #expect(wrongType.status == 400 && wrongType.errorCode == "INVALID_PARAMETER_VALUE")

        #expect(h.get("registered-models/get", [("name", "churn")]).json["registered_model"]?["name"] == .string("churn"))
        #expect(h.get("registered-models/search", [("filter", "name = 'none'")]).text == "{}", "empty lists are left out, as MLflow does")
        let unknown = h.get("registered-models/get", [("name", "nope")])
        #expect(unknown.status == 404 && unknown.errorCode == "RESOURCE_DOES_NOT_EXIST")

        let updated = h.send(.patch, "registered-models/update", json: #"{"name": "churn", "description": "new"}"#)
        #expect(updated.json["registered_model"]?["description"] == .string("new"))
        #expect(h.post("registered-models/set-tag", #"{"name": "churn", "key": "tier", "value": "gold"}"#).text == "{}")
        #expect(h.send(.delete, "registered-models/delete-tag", json: #"{"name": "churn", "key": "team"}"#).status == 200)
        #expect(h.send(.delete, "registered-models/delete-tag", json: #"{"name": "churn", "key": "absent"}"#).status == 200)
        #expect(h.send(.delete, "registered-models/delete-tag", json: #"{"name": "nope", "key": "x"}"#).status == 404)
        #expect(try h.store.model(named: "churn").tags == ["tier": "gold"])

        let renamed = h.post("registered-models/rename", #"{"name": "churn", "new_name": "churn2"}"#)
        #expect(renamed.json["registered_model"]?["name"] == .string("churn2"))
        try h.createModel("other")
        #expect(h.post("registered-models/rename", #"{"name": "churn2", "new_name": "other"}"#).errorCode == "RESOURCE_ALREADY_EXISTS")
        #expect(h.send(.delete, "registered-models/delete", json: #"{"name": "churn2"}"#).text == "{}")
        #expect(h.get("registered-models/get", [("name", "churn2")]).status == 404)
        #expect(h.send(.delete, "registered-models/delete", json: #"{"name": "churn2"}"#).errorCode == "RESOURCE_DOES_NOT_EXIST")
    }

    @Test func versionFromAnONNXFileIsPendingThenReadyAndServed() throws {
        let h = try MLflowHarness()
        try h.createModel("m")
        let path = try h.writeModel("models/m.onnx", c: 5)
        let created = h.post("model-versions/create", #"{"name": "m", "source": "\#(path)", "run_id": "abc123", "description": "first", "tags": [{"key": "k", "value": "v"}]}"#)
        #expect(created.status == 200)
        let pending = try #require(created.json["model_version"])
        #expect(pending["version"] == .string("1"))
        #expect(pending["status"] == .string("PENDING_REGISTRATION") || pending["status"] == .string("READY"))
        #expect(pending["source"] == .string(path) && pending["run_id"] == .string("abc123"))
        #expect(h.importer.waitUntilIdle(timeout: .seconds(30)))
        let ready = try #require(h.get("model-versions/get", [("name", "m"), ("version", "1")]).json["model_version"])
        #expect(ready["status"] == .string("READY"), "\(ready)")
        #expect(ready["status_message"] == nil && ready["current_stage"] == .string("None"))
        #expect(ready["description"] == .string("first"))
        #expect(ready["tags"] == .array([.object(JSONObject([("key", .string("k")), ("value", .string("v"))]))]))
        let record = try h.store.version(model: "m", number: 1)
        #expect(!record.isRecordOnly && record.format == "onnx" && record.signature != nil && record.source.kind == .mlflow)
        let model = try #require(h.registry.resolve("m").model)
        #expect(try RegistryTestModels.predict(model, 1) == 6)
    }

    @Test func versionFromAnMLflowModelDirectoryAndFileURIs() throws {
        let h = try MLflowHarness()
        try h.createModel("m")
        let directory = try h.writeMLflowModel("runs/abc/artifacts/model", c: 2)
        #expect(try h.createVersion("m", source: directory)["status"] == .string("READY"))
        let uri = "file://" + directory.replacingSpaces()
        #expect(try h.createVersion("m", source: uri)["status"] == .string("READY"))
        #expect(try h.createVersion("m", source: "file://localhost" + directory + "/MLmodel")["status"] == .string("READY"))
        let custom = try h.writeMLflowModel("custom", c: 3, data: "nested/net.onnx")
        #expect(try h.createVersion("m", source: custom)["status"] == .string("READY"))
        #expect(try h.store.versions(of: "m").map(\.status) == [.ready, .ready, .ready, .ready])
        #expect(try RegistryTestModels.predict(try #require(h.registry.resolve("m").model), 0) == 3)
    }

    @Test func sourcesOutsideTheRootAreRefusedAndNothingIsRecorded() throws {
        let h = try MLflowHarness()
        try h.createModel("m")
        for source in ["/etc/passwd", "relative/model.onnx", "file://otherhost/x.onnx", h.sources.path + "/../../etc/passwd",
                       "file:///etc/passwd", "file:" + h.sources.path + "/a.onnx?x=1", "/"] {
            let result = h.post("model-versions/create", #"{"name": "m", "source": "\#(source)"}"#)
            #expect(result.status == 400 && result.errorCode == "INVALID_PARAMETER_VALUE", "\(source): \(result.text)")
        }
        #expect(h.post("model-versions/create", #"{"name": "m"}"#).message.contains("'source'"))
        #expect(try h.store.versions(of: "m").isEmpty)
        let noRoot = try MLflowHarness(sourceRoot: false)
        try noRoot.createModel("m")
        let refused = noRoot.post("model-versions/create", #"{"name": "m", "source": "\#(try noRoot.writeModel("a.onnx"))"}"#)
        #expect(refused.status == 400 && refused.message.contains(MLflowSourcePolicy.setting))
        let unknown = h.post("model-versions/create", #"{"name": "nope", "source": "\#(try h.writeModel("b.onnx"))"}"#)
        #expect(unknown.status == 404 && unknown.errorCode == "RESOURCE_DOES_NOT_EXIST")
    }

    @Test func unfetchableAndBrokenSourcesFailWithAReasonAndNeverServe() throws {
        let h = try MLflowHarness()
        try h.createModel("m")
        let remote = h.post("model-versions/create", #"{"name": "m", "source": "s3://bucket/model"}"#)
        let failed = try #require(remote.json["model_version"])
        #expect(failed["status"] == .string("FAILED_REGISTRATION"))
        #expect(failed["status_message"]?.string?.contains("s3") == true)
        for source in ["mlflow-artifacts:/0/abc/artifacts/model", "models:/m-0123", "https://example.com/m.onnx"] {
            #expect(h.post("model-versions/create", #"{"name": "m", "source": "\#(source)"}"#).json["model_version"]?["status"] == .string("FAILED_REGISTRATION"))
        }
        try RegistryTestFiles.write(h.sources("broken.onnx"), RegistryTestModels.broken)
        let broken = try h.createVersion("m", source: h.sources("broken.onnx"))
        #expect(broken["status"] == .string("FAILED_REGISTRATION") && broken["status_message"]?.string?.isEmpty == false)
        try RegistryTestFiles.write(h.sources("unknown-op.onnx"), RegistryTestModels.unknownOperator())
        let unknownOp = try h.createVersion("m", source: h.sources("unknown-op.onnx"))
        #expect(unknownOp["status_message"]?.string?.contains("Axx") == true, "\(unknownOp)")
        try RegistryTestFiles.write(h.sources("sk/MLmodel"), "flavors:\n  sklearn:\n    pickled_model: model.pkl\n  python_function:\n    loader_module: mlflow.sklearn\n")
        let sklearn = try h.createVersion("m", source: h.sources("sk"))
        #expect(sklearn["status_message"]?.string?.contains("no onnx flavor (flavors: sklearn, python_function)") == true, "\(sklearn)")
        let missing = try h.createVersion("m", source: h.sources("missing.onnx"))
        #expect(missing["status"] == .string("FAILED_REGISTRATION") && missing["status_message"]?.string?.contains("No such file") == true)
        let outside = try TemporaryDirectory()
        try RegistryTestFiles.write(outside("secret.onnx"), RegistryTestModels.addConstant(9))
        symlink(outside("secret.onnx"), h.sources("link.onnx"))
        let link = try h.createVersion("m", source: h.sources("link.onnx"))
        #expect(link["status"] == .string("FAILED_REGISTRATION") && link["status_message"]?.string?.contains("outside") == true)

        // Record-only versions: listed by MLflow, never loaded, never resolved, no effect on readiness.
        let versions = try h.store.versions(of: "m")
        #expect(versions.count == 9 && versions.allSatisfy { $0.isRecordOnly && $0.status == .failed })
        try h.registry.refresh()
        #expect(h.registry.readiness().isReady)
        #expect(h.registry.snapshot.models["m"]?.versions.isEmpty == true)
        let alias = h.post("registered-models/alias", #"{"name": "m", "alias": "champion", "version": "1"}"#)
        #expect(alias.status == 400 && alias.errorCode == "INVALID_PARAMETER_VALUE")
    }

    @Test func aliasesMoveWhatIsServed() throws {
        let h = try MLflowHarness()
        try h.createModel("m")
        _ = try h.createVersion("m", source: try h.writeModel("one.onnx", c: 1))
        _ = try h.createVersion("m", source: try h.writeModel("two.onnx", c: 2))
        #expect(h.post("registered-models/alias", #"{"name": "m", "alias": "champion", "version": "1"}"#).text == "{}")
        #expect(h.servedVersion("m", .alias("champion")) == 1)
        let byAlias = h.get("registered-models/alias", [("name", "m"), ("alias", "champion")])
        #expect(byAlias.json["model_version"]?["version"] == .string("1"))
        #expect(byAlias.json["model_version"]?["aliases"] == .array([.string("champion")]))
        let model = h.get("registered-models/get", [("name", "m")]).json["registered_model"]
        #expect(model?["aliases"] == .array([.object(JSONObject([("alias", .string("champion")), ("version", .string("1"))]))]))
        #expect(h.post("registered-models/alias", #"{"name": "m", "alias": "champion", "version": "2"}"#).status == 200)
        #expect(h.servedVersion("m", .alias("champion")) == 2)
        #expect(h.post("registered-models/alias", #"{"name": "m", "alias": "production", "version": "1"}"#).status == 200)
        #expect(h.servedVersion("m") == 1, "the bare name follows `production`")
        #expect(h.send(.delete, "registered-models/alias", json: #"{"name": "m", "alias": "champion"}"#).status == 200)
        #expect(h.send(.delete, "registered-models/alias", json: #"{"name": "m", "alias": "champion"}"#).status == 200)
        #expect(h.get("registered-models/alias", [("name", "m"), ("alias", "champion")]).errorCode == "RESOURCE_DOES_NOT_EXIST")
        #expect(h.registry.resolve("m", .alias("champion")).model == nil)
        for bad in [#"{"name": "m", "alias": "latest", "version": "1"}"#, #"{"name": "m", "alias": "v3", "version": "1"}"#,
                    #"{"name": "m", "alias": "x", "version": "zero"}"#, #"{"name": "m", "alias": "x", "version": "0"}"#] {
            #expect(h.post("registered-models/alias", bad).errorCode == "INVALID_PARAMETER_VALUE", "\(bad)")
        }
        #expect(h.post("registered-models/alias", #"{"name": "m", "alias": "x", "version": "9"}"#).errorCode == "RESOURCE_DOES_NOT_EXIST")
    }

    @Test func productionStageDrivesTheProductionAlias() throws {
        let h = try MLflowHarness()
        try h.createModel("m")
        _ = try h.createVersion("m", source: try h.writeModel("one.onnx", c: 1))
        _ = try h.createVersion("m", source: try h.writeModel("two.onnx", c: 2))
        _ = h.post("model-versions/create", #"{"name": "m", "source": "s3://b/m"}"#)
        #expect(h.servedVersion("m") == 2, "no production alias: the highest ready version")
        let staged = h.post("model-versions/transition-stage", #"{"name": "m", "version": "1", "stage": "production", "archive_existing_versions": false}"#)
        #expect(staged.json["model_version"]?["current_stage"] == .string("Production"))
        #expect(staged.json["model_version"]?["aliases"] == .array([.string("production")]))
        #expect(h.servedVersion("m") == 1)
        let second = h.post("model-versions/transition-stage", #"{"name": "m", "version": "2", "stage": "Production", "archive_existing_versions": true}"#)
        #expect(second.status == 200)
        #expect(try h.store.version(model: "m", number: 1).stage == .archived)
        #expect(h.servedVersion("m") == 2)
        let latest = h.get("registered-models/get-latest-versions", [("name", "m"), ("stages", "Production"), ("stages", "Archived")])
        #expect(latest.json["model_versions"]?.array?.compactMap { $0["version"]?.string } == ["1", "2"])
        let all = h.post("registered-models/get-latest-versions", #"{"name": "m"}"#)
        #expect(all.json["model_versions"]?.array?.compactMap { $0["current_stage"]?.string } == ["Archived", "Production", "None"])
        #expect(h.post("model-versions/transition-stage", #"{"name": "m", "version": "2", "stage": "Staging"}"#).status == 200)
        #expect(try h.store.model(named: "m").aliases["production"] == nil, "leaving Production drops the alias")
        #expect(h.servedVersion("m") == 2)
        let failed = h.post("model-versions/transition-stage", #"{"name": "m", "version": "3", "stage": "Production"}"#)
        #expect(failed.status == 400 && failed.message.contains("not READY"))
        #expect(h.post("model-versions/transition-stage", #"{"name": "m", "version": "3", "stage": "Archived"}"#).status == 200)
        #expect(h.post("model-versions/transition-stage", #"{"name": "m", "version": "1", "stage": "Live"}"#).errorCode == "INVALID_PARAMETER_VALUE")
        #expect(h.post("model-versions/transition-stage", #"{"name": "m", "version": "1", "stage": "None", "archive_existing_versions": true}"#).errorCode == "INVALID_PARAMETER_VALUE")
        #expect(h.get("registered-models/get-latest-versions", [("name", "m"), ("stages", "Live")]).errorCode == "INVALID_PARAMETER_VALUE")
    }

    @Test func versionUpdatesTagsDownloadURIAndDeletes() throws {
        let h = try MLflowHarness()
        try h.createModel("m")
        let path = try h.writeModel("one.onnx")
        _ = try h.createVersion("m", source: path)
        let updated = h.send(.patch, "model-versions/update", json: #"{"name": "m", "version": "1", "description": "notes"}"#)
        #expect(updated.json["model_version"]?["description"] == .string("notes"))
        #expect(h.post("model-versions/set-tag", #"{"name": "m", "version": "1", "key": "validated", "value": "yes"}"#).status == 200)
        #expect(try h.store.version(model: "m", number: 1).tags == ["validated": "yes"])
        #expect(h.send(.delete, "model-versions/delete-tag", json: #"{"name": "m", "version": "1", "key": "validated"}"#).status == 200)
        #expect(h.send(.delete, "model-versions/delete-tag", json: #"{"name": "m", "version": "1", "key": "validated"}"#).status == 200)
        #expect(h.send(.delete, "model-versions/delete-tag", json: #"{"name": "m", "version": "7", "key": "x"}"#).status == 404)
        #expect(h.get("model-versions/get-download-uri", [("name", "m"), ("version", "1")]).json["artifact_uri"] == .string(path))
        #expect(h.get("model-versions/get", [("name", "m"), ("version", "x")]).errorCode == "INVALID_PARAMETER_VALUE")
        #expect(h.get("model-versions/get", [("name", "m"), ("version", "2")]).errorCode == "RESOURCE_DOES_NOT_EXIST")
        #expect(h.servedVersion("m") == 1)
        #expect(h.send(.delete, "model-versions/delete", json: #"{"name": "m", "version": "1"}"#).text == "{}")
        #expect(h.get("model-versions/get", [("name", "m"), ("version", "1")]).status == 404)
        #expect(h.registry.snapshot.models["m"]?.versions.isEmpty == true, "gone from serving at once")
    }

    @Test func modelsSourcesCopyARegisteredVersionsFile() throws {
        let h = try MLflowHarness()
        try h.createModel("src")
        try h.createModel("dst")
        _ = try h.createVersion("src", source: try h.writeModel("one.onnx", c: 1))
        _ = try h.createVersion("src", source: try h.writeModel("two.onnx", c: 2))
        _ = h.post("registered-models/alias", #"{"name": "src", "alias": "champion", "version": "1"}"#)
        _ = h.post("model-versions/transition-stage", #"{"name": "src", "version": "2", "stage": "Staging"}"#)
        for (source, constant) in [("models:/src/1", Float(1)), ("models:/src@champion", 1), ("models:/src/staging", 2), ("models:/src/latest", 2)] {
            let copied = try h.createVersion("dst", source: source)
            #expect(copied["status"] == .string("READY") && copied["source"] == .string(source), "\(source): \(copied)")
            let number = try #require(copied["version"]?.string.flatMap { Int64($0) })
            let served = try #require(h.registry.resolve("dst", .version(number)).model)
            #expect(try RegistryTestModels.predict(served, 0) == constant, "\(source)")
            #expect(try h.store.version(model: "dst", number: number).sha256 == h.store.version(model: "src", number: Int64(constant)).sha256,
                    "the stored file is shared, not copied")
        }
        for source in ["models:/m-0123456789abcdef", "models:/src/9", "models:/src@nothing", "models:/nope/1", "models:/src/Production"] {
            let failed = try h.createVersion("dst", source: source)
            #expect(failed["status"] == .string("FAILED_REGISTRATION"), "\(source)")
        }
    }

    @Test func uploadedVersionsAreMLflowVersions() throws {
        let h = try MLflowHarness()
        try h.fixture.upload(RegistryTestModels.addConstant(4), name: "uploaded", aliases: ["production"])
        let listed = h.get("model-versions/search", [("filter", "name = 'uploaded'")])
        let version = try #require(listed.json["model_versions"]?.array?.first)
        #expect(version["status"] == .string("READY") && version["version"] == .string("1"))
        #expect(version["aliases"] == .array([.string("production")]))
        let model = h.get("registered-models/get", [("name", "uploaded")]).json["registered_model"]
        #expect(model?["latest_versions"]?.array?.count == 1)
    }

    @Test func interruptedImportsResumeAtStart() throws {
        let h = try MLflowHarness()
        try h.createModel("m")
        let path = try h.writeModel("later.onnx", c: 7)
        // What a crash between `create` and the end of its import leaves behind.
        let empty = try h.fixture.artifacts.put([])
        try h.store.createVersion(model: "m", NewModelVersion(
            artifact: empty, format: ModelVersion.recordOnlyFormat, source: VersionSource(kind: .mlflow, location: path), status: .loading),
            createModelIfMissing: false)
        try h.store.createVersion(model: "m", NewModelVersion(
            artifact: empty, format: ModelVersion.recordOnlyFormat, source: VersionSource(kind: .mlflow, location: "gs://b/m"), status: .loading),
            createModelIfMissing: false)
        h.importer.resume()
        #expect(h.importer.waitUntilIdle(timeout: .seconds(30)))
        #expect(try h.store.version(model: "m", number: 1).status == .ready)
        #expect(try h.store.version(model: "m", number: 2).status == .failed)
        #expect(try RegistryTestModels.predict(try #require(h.registry.resolve("m").model), 1) == 8)
    }

    @Test func everyRouteDeclaresItsAccessAndBothPrefixesServe() throws {
        let h = try MLflowHarness()
        let table = h.responder.routeTable
        #expect(table.count == 2 * MLflowRoutes.endpoints.count)
        for route in table {
            let access = RoutePolicy.declared(route.options.tags)
            #expect(access != nil, "\(route.method) \(route.template) declares no scope")
            #expect(route.options.offload, "\(route.template) must run off the event loop")
            #expect(access == .admin, "\(route.method) \(route.template): the MLflow API is management")
        }
        #expect(h.send(.get, "experiments/get", query: [("experiment_id", "0")], prefix: "/ajax-api/2.0/mlflow/").status == 200)
        let unknown = h.get("no/such/route")
        #expect(unknown.status == 404 && unknown.errorCode == "ENDPOINT_NOT_FOUND")
        let wrongMethod = h.send(.put, "registered-models/get", json: "{}")
        #expect(wrongMethod.status == 405 && wrongMethod.errorCode != nil)
    }
}

extension String {
    /// The path as a file URI path (spaces percent-encoded).
    func replacingSpaces() -> String {
        var out = ""
        for c in self { out += c == " " ? "%20" : String(c) }
        return out
    }
}
