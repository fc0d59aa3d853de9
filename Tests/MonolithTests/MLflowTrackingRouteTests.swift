@testable import HTTPKit
import StoreKitLite
import Testing
@testable import Monolith

/// Experiments, runs, params, metrics and tags through the MLflow routes.
@Suite("MLflow tracking routes", .serialized)
struct MLflowTrackingRouteTests {
    @Test func experimentsCreateGetSearchRenameDeleteRestore() throws {
        let h = try MLflowHarness()
        let created = h.post("experiments/create", #"{"name": "exp", "tags": [{"key": "team", "value": "ml"}]}"#)
        let id = try #require(created.json["experiment_id"]?.string)
        #expect(id != "0")
        let experiment = try #require(h.get("experiments/get", [("experiment_id", id)]).json["experiment"])
        #expect(experiment["name"] == .string("exp") && experiment["lifecycle_stage"] == .string("active"))
        #expect(experiment["artifact_location"] == .string("mlflow-artifacts:/\(id)"))
        if case .integer? = experiment["creation_time"] {} else { Issue.record("creation_time must be an integer") }
        #expect(h.get("experiments/get-by-name", [("experiment_name", "exp")]).json["experiment"]?["experiment_id"] == .string(id))
        let missing = h.get("experiments/get-by-name", [("experiment_name", "nope")])
        #expect(missing.status == 404 && missing.errorCode == "RESOURCE_DOES_NOT_EXIST")
        #expect(h.get("experiments/get", [("experiment_id", "abc")]).errorCode == "RESOURCE_DOES_NOT_EXIST")
        #expect(h.get("experiments/get", [("experiment_id", "0")]).json["experiment"]?["name"] == .string("Default"))
        #expect(h.post("experiments/create", #"{"name": "exp"}"#).errorCode == "RESOURCE_ALREADY_EXISTS")
        #expect(h.post("experiments/create", #"{"name": ""}"#).errorCode == "INVALID_PARAMETER_VALUE")
        let located = h.post("experiments/create", #"{"name": "located", "artifact_location": "file:///data/mlruns/x"}"#)
        let locatedID = try #require(located.json["experiment_id"]?.string)
        #expect(h.get("experiments/get", [("experiment_id", locatedID)]).json["experiment"]?["artifact_location"] == .string("file:///data/mlruns/x"))

        let names = { (result: MLflowHarness.Result) in result.json["experiments"]?.array?.compactMap { $0["name"]?.string } ?? [] }
        #expect(names(h.post("experiments/search", #"{"filter": "name = 'exp'"}"#)) == ["exp"])
        #expect(names(h.post("experiments/search", #"{"filter": "tags.team = 'ml'"}"#)) == ["exp"])
        #expect(names(h.post("experiments/search", #"{"order_by": ["name ASC"]}"#)) == ["Default", "exp", "located"])
        let firstPage = h.get("experiments/search", [("max_results", "2"), ("order_by", "name DESC")])
        #expect(names(firstPage) == ["located", "exp"])
        let token = try #require(firstPage.json["next_page_token"]?.string)
        let secondPage = h.get("experiments/search", [("max_results", "2"), ("order_by", "name DESC"), ("page_token", token)])
        #expect(names(secondPage) == ["Default"] && secondPage.json["next_page_token"] == nil)

        #expect(h.post("experiments/update", #"{"experiment_id": "\#(id)", "new_name": "renamed"}"#).status == 200)
        #expect(h.post("experiments/set-experiment-tag", #"{"experiment_id": "\#(id)", "key": "k", "value": "v"}"#).status == 200)
        #expect(try h.store.experiment(id: Int64(id) ?? -1).tags == ["team": "ml", "k": "v"])
        #expect(h.post("experiments/delete", #"{"experiment_id": "\#(id)"}"#).status == 200)
        #expect(names(h.post("experiments/search", #"{"view_type": "DELETED_ONLY"}"#)) == ["renamed"])
        #expect(names(h.post("experiments/search", #"{"view_type": "ALL", "order_by": ["name"]}"#)) == ["Default", "located", "renamed"])
        #expect(h.post("runs/create", #"{"experiment_id": "\#(id)"}"#).errorCode == "INVALID_PARAMETER_VALUE", "no runs in a deleted experiment")
        #expect(h.post("experiments/restore", #"{"experiment_id": "\#(id)"}"#).status == 200)
        #expect(h.post("experiments/delete", #"{"experiment_id": "0"}"#).errorCode == "INVALID_PARAMETER_VALUE")
        #expect(h.post("experiments/search", #"{"view_type": "SOME"}"#).errorCode == "INVALID_PARAMETER_VALUE")
        #expect(h.post("experiments/search", #"{"filter": "owner = 'x'"}"#).errorCode == "INVALID_PARAMETER_VALUE")
    }

    @Test func runLifecycleParamsMetricsTagsAndHistory() throws {
        let h = try MLflowHarness()
        let created = h.post("runs/create", #"{"run_name": "first", "start_time": 1700000000000, "user_id": "ana", "tags": [{"key": "stage", "value": "dev"}]}"#)
        let info = try #require(created.json["run"]?["info"])
        let runID = try #require(info["run_id"]?.string)
        #expect(info["run_uuid"] == .string(runID) && info["experiment_id"] == .string("0"))
        #expect(info["status"] == .string("RUNNING") && info["start_time"] == .integer(1_700_000_000_000) && info["end_time"] == nil)
        #expect(info["user_id"] == .string("ana") && info["run_name"] == .string("first"))
        #expect(info["artifact_uri"] == .string("mlflow-artifacts:/0/\(runID)/artifacts"))

        #expect(h.post("runs/log-parameter", #"{"run_id": "\#(runID)", "key": "alpha", "value": "0.5"}"#).text == "{}")
        #expect(h.post("runs/log-parameter", #"{"run_uuid": "\#(runID)", "key": "alpha", "value": "0.5"}"#).status == 200)
        let changed = h.post("runs/log-parameter", #"{"run_id": "\#(runID)", "key": "alpha", "value": "0.7"}"#)
        #expect(changed.status == 400 && changed.errorCode == "INVALID_PARAMETER_VALUE")
        for (step, value) in [(0, "0.9"), (1, "0.5"), (2, "\"0.25\"")] {
            #expect(h.post("runs/log-metric", #"{"run_id": "\#(runID)", "key": "loss", "value": \#(value), "timestamp": "\#(1000 + step)", "step": \#(step)}"#).status == 200)
        }
        #expect(h.post("runs/log-metric", #"{"run_id": "\#(runID)", "key": "odd", "value": "NaN", "timestamp": 5}"#).status == 200)
        #expect(h.post("runs/log-metric", #"{"run_id": "\#(runID)", "key": "big", "value": "-Infinity", "timestamp": 5}"#).status == 200)
        #expect(h.post("runs/log-metric", #"{"run_id": "\#(runID)", "key": "loss", "timestamp": 5}"#).message.contains("'value'"))
        #expect(h.post("runs/log-metric", #"{"run_id": "\#(runID)", "key": "loss", "value": 1}"#).message.contains("'timestamp'"))
        #expect(h.post("runs/log-metric", #"{"run_id": "\#(runID)", "key": "loss", "value": "high", "timestamp": 1}"#).errorCode == "INVALID_PARAMETER_VALUE")
        let batch = h.post("runs/log-batch", #"""
            {"run_id": "\#(runID)", "metrics": [{"key": "acc", "value": 0.75, "timestamp": 10, "step": 0}, {"key": "acc", "value": 0.875, "timestamp": 11, "step": 1}],
             "params": [{"key": "layers", "value": "3"}], "tags": [{"key": "framework", "value": "onnx"}, {"key": "mlflow.runName", "value": "renamed"}]}
            """#)
        #expect(batch.status == 200, "\(batch.text)")
        #expect(h.post("runs/set-tag", #"{"run_id": "\#(runID)", "key": "temp", "value": "1"}"#).status == 200)
        #expect(h.post("runs/delete-tag", #"{"run_id": "\#(runID)", "key": "temp"}"#).status == 200)
        #expect(h.post("runs/delete-tag", #"{"run_id": "\#(runID)", "key": "temp"}"#).errorCode == "RESOURCE_DOES_NOT_EXIST")
        let updated = h.post("runs/update", #"{"run_id": "\#(runID)", "status": "FINISHED", "end_time": 1700000005000}"#)
        #expect(updated.json["run_info"]?["status"] == .string("FINISHED") && updated.json["run_info"]?["end_time"] == .integer(1_700_000_005_000))
        #expect(h.post("runs/update", #"{"run_id": "\#(runID)", "status": "DONE"}"#).errorCode == "INVALID_PARAMETER_VALUE")

        let run = try #require(h.get("runs/get", [("run_id", runID)]).json["run"])
        #expect(run["info"]?["run_name"] == .string("renamed"))
        let data = try #require(run["data"])
        let metrics = Dictionary(uniqueKeysWithValues: (data["metrics"]?.array ?? []).compactMap { m in m["key"]?.string.map { ($0, m["value"] ?? .null) } })
        #expect(metrics["loss"]?.double == 0.25 && metrics["acc"]?.double == 0.875)
        #expect(metrics["odd"] == .string("NaN") && metrics["big"] == .string("-Infinity"), "non-finite values as proto3 JSON strings")
        let params = (data["params"]?.array ?? []).compactMap { $0["key"]?.string }
        #expect(params == ["alpha", "layers"])
        let tags = Dictionary(uniqueKeysWithValues: (data["tags"]?.array ?? []).compactMap { t in t["key"]?.string.map { ($0, t["value"]?.string ?? "") } })
        #expect(tags == ["stage": "dev", "framework": "onnx", "mlflow.runName": "renamed"])
        #expect(run["inputs"] == .object(JSONObject()))

        let history = h.get("metrics/get-history", [("run_uuid", runID), ("metric_key", "loss")])
        let points: [[JSONValue]] = (history.json["metrics"]?.array ?? []).map { point in
            [point["step"] ?? .null, point["value"] ?? .null, point["timestamp"] ?? .null]
        }
        let expectedPoints: [[JSONValue]] = [
            [.integer(0), .double(0.9), .integer(1000)], [.integer(1), .double(0.5), .integer(1001)], [.integer(2), .double(0.25), .integer(1002)],
        ]
        #expect(points == expectedPoints)
        let paged = h.get("metrics/get-history", [("run_id", runID), ("metric_key", "loss"), ("max_results", "2")])
        #expect(paged.json["metrics"]?.array?.count == 2)
        let rest = h.get("metrics/get-history", [("run_id", runID), ("metric_key", "loss"), ("max_results", "2"),
                                                 ("page_token", paged.json["next_page_token"]?.string ?? "")])
        #expect(rest.json["metrics"]?.array?.count == 1 && rest.json["next_page_token"] == nil)
        #expect(h.get("metrics/get-history", [("run_id", "0" + String(repeating: "f", count: 31)), ("metric_key", "loss")]).status == 404)
        #expect(h.get("runs/get", [("run_id", "../etc")]).errorCode == "RESOURCE_DOES_NOT_EXIST")
        #expect(h.get("runs/get", []).errorCode == "INVALID_PARAMETER_VALUE")

        #expect(h.post("runs/delete", #"{"run_id": "\#(runID)"}"#).status == 200)
        #expect(h.post("runs/log-parameter", #"{"run_id": "\#(runID)", "key": "new", "value": "x"}"#).errorCode == "INVALID_PARAMETER_VALUE")
        #expect(h.post("runs/restore", #"{"run_id": "\#(runID)"}"#).status == 200)
        #expect(h.post("runs/log-parameter", #"{"run_id": "\#(runID)", "key": "new", "value": "x"}"#).status == 200)
    }

    @Test func runsWithoutANameGetAnMLflowStyleOne() throws {
        let h = try MLflowHarness()
        let info = try #require(h.post("runs/create", "{}").json["run"]?["info"])
        let name = try #require(info["run_name"]?.string)
        let parts = name.split(separator: "-")
        #expect(parts.count == 3 && Int(parts[2]) != nil, "\(name)")
        let runID = try #require(info["run_id"]?.string)
        #expect(try h.store.run(id: runID).tags[MetadataStore.runNameTag] == name)
        let tagged = h.post("runs/create", #"{"tags": [{"key": "mlflow.runName", "value": "from-tag"}]}"#)
        #expect(tagged.json["run"]?["info"]?["run_name"] == .string("from-tag"))
        let conflicting = h.post("runs/create", #"{"run_name": "a", "tags": [{"key": "mlflow.runName", "value": "b"}]}"#)
        #expect(conflicting.errorCode == "INVALID_PARAMETER_VALUE")
    }

    @Test func logBatchIsAllOrNothingAndBounded() throws {
        let h = try MLflowHarness()
        let runID = try #require(h.post("runs/create", "{}").json["run"]?["info"]?["run_id"]?.string)
        _ = h.post("runs/log-parameter", #"{"run_id": "\#(runID)", "key": "p", "value": "1"}"#)
        let conflicting = h.post("runs/log-batch", #"{"run_id": "\#(runID)", "metrics": [{"key": "m", "value": 1, "timestamp": 1}], "params": [{"key": "p", "value": "2"}]}"#)
        #expect(conflicting.errorCode == "INVALID_PARAMETER_VALUE")
        #expect(try h.store.metricHistory(runID: runID, key: "m").isEmpty, "nothing of a refused batch is kept")
        let metrics = (0..<1001).map { #"{"key": "m", "value": \#($0), "timestamp": 1}"# }.joined(separator: ",")
        let tooMany = h.post("runs/log-batch", #"{"run_id": "\#(runID)", "metrics": [\#(metrics)]}"#)
        #expect(tooMany.errorCode == "INVALID_PARAMETER_VALUE" && tooMany.message.contains("1000"))
        #expect(h.post("runs/log-batch", #"{"run_id": "\#(runID)", "metrics": {"key": "m"}}"#).errorCode == "INVALID_PARAMETER_VALUE")
        #expect(h.post("runs/log-batch", #"{"run_id": "\#(runID)", "params": [{"value": "no key"}]}"#).errorCode == "INVALID_PARAMETER_VALUE")
        #expect(h.post("runs/log-batch", #"{"metrics": []}"#).errorCode == "INVALID_PARAMETER_VALUE")
        #expect(h.post("runs/log-batch", "[1, 2]").errorCode == "BAD_REQUEST")
        // A body double-encoded as a JSON string (older clients) is read as the object it holds.
        #expect(h.post("runs/log-batch", #""{\"run_id\": \"\#(runID)\", \"params\": [{\"key\": \"q\", \"value\": \"1\"}]}""#).status == 200)
        #expect(try h.store.run(id: runID).params == ["p": "1", "q": "1"])
    }

    @Test func runSearchFiltersOrdersAndPages() throws {
        let h = try MLflowHarness()
        let experiment = try #require(h.post("experiments/create", #"{"name": "search"}"#).json["experiment_id"]?.string)
        var ids: [String] = []
        for i in 0..<4 {
            let run = h.post("runs/create", #"{"experiment_id": "\#(experiment)", "run_name": "run-\#(i)", "start_time": \#(1000 + i)}"#)
            let id = try #require(run.json["run"]?["info"]?["run_id"]?.string)
            ids.append(id)
            _ = h.post("runs/log-batch", #"{"run_id": "\#(id)", "metrics": [{"key": "loss", "value": \#(Double(4 - i) / 10), "timestamp": 1}], "params": [{"key": "parity", "value": "\#(i % 2 == 0 ? "even" : "odd")"}]}"#)
        }
        _ = h.post("runs/update", #"{"run_id": "\#(ids[0])", "status": "FAILED"}"#)
        func search(_ body: String) -> [String] {
            h.post("runs/search", body).json["runs"]?.array?.compactMap { $0["info"]?["run_name"]?.string } ?? []
        }
        #expect(search(#"{"experiment_ids": ["\#(experiment)"]}"#) == ["run-3", "run-2", "run-1", "run-0"], "newest start first")
        #expect(search(#"{"experiment_ids": ["\#(experiment)"], "filter": "metrics.loss < 0.25"}"#) == ["run-3", "run-2"])
        #expect(search(#"{"experiment_ids": ["\#(experiment)"], "filter": "params.parity = 'even' and metrics.loss >= 0.2"}"#) == ["run-2", "run-0"])
        #expect(search(#"{"experiment_ids": ["\#(experiment)"], "filter": "attributes.status = 'FAILED'"}"#) == ["run-0"])
        #expect(search(#"{"experiment_ids": ["\#(experiment)"], "filter": "attributes.run_name LIKE 'run-%' AND tags.`mlflow.runName` IN ('run-1', 'run-3')"}"#) == ["run-3", "run-1"])
        #expect(search(#"{"experiment_ids": ["\#(experiment)"], "order_by": ["metrics.loss DESC"]}"#) == ["run-0", "run-1", "run-2", "run-3"])
        #expect(search(#"{"experiment_ids": ["0"]}"#).isEmpty)
        let page = h.post("runs/search", #"{"experiment_ids": ["\#(experiment)"], "max_results": 3}"#)
        #expect(page.json["runs"]?.array?.count == 3)
        let token = try #require(page.json["next_page_token"]?.string)
        #expect(search(#"{"experiment_ids": ["\#(experiment)"], "max_results": 3, "page_token": "\#(token)"}"#) == ["run-0"])
        #expect(h.post("runs/search", #"{"experiment_ids": ["\#(experiment)"], "filter": "metrics.loss <"}"#).errorCode == "INVALID_PARAMETER_VALUE")
        #expect(h.post("runs/search", #"{"experiment_ids": ["\#(experiment)"], "filter": "attributes.color = 'x'"}"#).errorCode == "INVALID_PARAMETER_VALUE")
        #expect(h.post("runs/search", #"{"experiment_ids": ["\#(experiment)"], "max_results": 50001}"#).errorCode == "INVALID_PARAMETER_VALUE")
    }
}
