import HTTPKit
import StoreKitLite

/// The tracking half of the MLflow API (mlflow/protos/service.proto): experiments, runs,
/// params, metrics (with history) and tags, in the store's tracking tables.
enum MLflowTrackingRoutes {
    typealias Endpoint = MLflowRoutes.Endpoint

    static var endpoints: [Endpoint] {
        [
            Endpoint(.post, "experiments/create", .admin, createExperiment),
            Endpoint(.get, "experiments/get", .admin, getExperiment),
            Endpoint(.get, "experiments/get-by-name", .admin, getExperimentByName),
            Endpoint(.post, "experiments/search", .admin, searchExperiments),
            Endpoint(.get, "experiments/search", .admin, searchExperiments),
            Endpoint(.post, "experiments/update", .admin, renameExperiment),
            Endpoint(.post, "experiments/delete", .admin, deleteExperiment),
            Endpoint(.post, "experiments/restore", .admin, restoreExperiment),
            Endpoint(.post, "experiments/set-experiment-tag", .admin, setExperimentTag),
            Endpoint(.post, "runs/create", .admin, createRun),
            Endpoint(.get, "runs/get", .admin, getRun),
            Endpoint(.post, "runs/update", .admin, updateRun),
            Endpoint(.post, "runs/delete", .admin, deleteRun),
            Endpoint(.post, "runs/restore", .admin, restoreRun),
            Endpoint(.post, "runs/log-parameter", .admin, logParam),
            Endpoint(.post, "runs/log-metric", .admin, logMetric),
            // 1000 metrics + 100 params of 6000 bytes + 100 tags of 8000 bytes, JSON-escaped.
            Endpoint(.post, "runs/log-batch", .admin, maxBodySize: 8 << 20, logBatch),
            Endpoint(.post, "runs/set-tag", .admin, setRunTag),
            Endpoint(.post, "runs/delete-tag", .admin, deleteRunTag),
            Endpoint(.post, "runs/search", .admin, MLflowRunSearch.search),
            Endpoint(.get, "metrics/get-history", .admin, metricHistory),
        ]
    }

    // MARK: Experiments

    static func createExperiment(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let name = try f.required("name")
        let location = try f.string("artifact_location").flatMap { $0.isEmpty ? nil : $0 }
        let experiment = try s.store.createExperiment(name: name, artifactLocation: location, tags: try f.keyValueDictionary("tags"))
        return Response.json { json in
            json.beginObject()
            json.key("experiment_id"); json.string(String(experiment.id))
            json.endObject()
        }
    }

    static func getExperiment(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        experimentResponse(try s.store.experiment(id: try experimentID(try f.required("experiment_id"))))
    }

    static func getExperimentByName(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let name = try f.required("experiment_name")
        do {
            return experimentResponse(try s.store.experiment(named: name))
        } catch let e as StoreError where e.code == .notFound {
            throw MLflowError(.resourceDoesNotExist, "Could not find experiment with name '\(MLflowFields.printable(name))'")
        }
    }

    static func renameExperiment(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let id = try experimentID(try f.required("experiment_id"))
        if let name = try f.string("new_name"), !name.isEmpty { _ = try s.store.renameExperiment(id: id, to: name) }
        return MLflowJSON.empty
    }

    static func deleteExperiment(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let id = try experimentID(try f.required("experiment_id"))
        guard id != MetadataStore.defaultExperimentID else {
            throw MLflowError(.invalidParameterValue, "Cannot delete the default experiment '0'. This is an internally reserved experiment.")
        }
        _ = try s.store.setExperimentLifecycle(id: id, .deleted)
        return MLflowJSON.empty
    }

    static func restoreExperiment(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        _ = try s.store.setExperimentLifecycle(id: try experimentID(try f.required("experiment_id")), .active)
        return MLflowJSON.empty
    }

    static func setExperimentTag(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        try s.store.setExperimentTag(id: try experimentID(try f.required("experiment_id")), key: try f.required("key"),
                                     value: try f.string("value") ?? "")
        return MLflowJSON.empty
    }

    static func searchExperiments(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let filter = try MLflowFilter(parsing: try f.string("filter"))
        let attributes: Set<String> = ["name", "experiment_id", "creation_time", "last_update_time"]
        for clause in filter.clauses where clause.entity != .tag && !(clause.entity == .attribute && attributes.contains(clause.key)) {
            throw MLflowError(.invalidParameterValue, "Invalid attribute key '\(MLflowFields.printable(clause.key))' specified. Valid keys are \(attributes.sorted()) and tags.<key>")
        }
        let limit = try MLflowPaging.maxResults(f, default: 1000, maximum: 50_000)
        let orderText = try f.strings("order_by")
        var order = try MLflowPaging.order(orderText.isEmpty ? ["creation_time DESC"] : orderText, valid: attributes.sorted().description) { entity, key in
            entity == .attribute && attributes.contains(key) ? key : nil
        }
        if !order.contains(where: { $0.key == "experiment_id" }) { order.append(.init(entity: .attribute, key: "experiment_id", ascending: true)) }
        let offset = try MLflowPaging.offset(token: try f.string("page_token"))
        let all = try s.store.experiments(lifecycle: try lifecycle(f, "view_type"), limit: 100_000)
        var matched: [Experiment] = []
        for experiment in all {
            var keep = true
            for clause in filter.clauses where keep {
                switch (clause.entity, clause.key) {
                case (.tag, _): keep = try MLflowFilter.matches(experiment.tags[clause.key], clause)
                case (_, "name"): keep = try MLflowFilter.matches(experiment.name, clause)
                case (_, "experiment_id"): keep = try MLflowFilter.matches(String(experiment.id), clause)
                case (_, "creation_time"): keep = try MLflowFilter.matches(Double(experiment.createdAt), clause)
                default: keep = try MLflowFilter.matches(Double(experiment.updatedAt), clause)
                }
            }
            if keep { matched.append(experiment) }
        }
        let sorted = MLflowPaging.sort(matched, by: order) { experiment, term in
            switch term.key {
            case "name": return .text(experiment.name)
            case "experiment_id": return .number(Double(experiment.id))
            case "creation_time": return .number(Double(experiment.createdAt))
            default: return .number(Double(experiment.updatedAt))
            }
        }
        let (page, next) = MLflowPaging.page(sorted, offset: offset, limit: limit)
        return Response.json { json in
            json.beginObject()
            // Empty repeated fields are left out, as MLflow's server (proto3 JSON) does.
            if !page.isEmpty {
                json.key("experiments")
                json.beginArray()
                for experiment in page { MLflowJSON.write(experiment, into: &json) }
                json.endArray()
            }
            if let next { json.key("next_page_token"); json.string(next) }
            json.endObject()
        }
    }

    // MARK: Runs

    /// Starts a run. Without a name (neither `run_name` nor the `mlflow.runName` tag) it gets
    /// a random one, as MLflow's stores give (`bold-fox-123`); the two must agree when both
    /// are given.
    static func createRun(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let experiment = try experimentID(try f.string("experiment_id").flatMap { $0.isEmpty ? nil : $0 } ?? "0")
        let tags = try f.keyValueDictionary("tags")
        var name = try f.string("run_name") ?? ""
        let tagged = tags[MetadataStore.runNameTag]
        if !name.isEmpty, let tagged, tagged != name {
            throw MLflowError(.invalidParameterValue, "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='\(MLflowFields.printable(name))', mlflow.runName='\(MLflowFields.printable(tagged))').")
        }
        if name.isEmpty { name = tagged ?? randomRunName() }
        let run = try s.store.createRun(experimentID: experiment, name: name,
                                        startTime: try f.int64("start_time"), userID: try f.string("user_id").flatMap { $0.isEmpty ? nil : $0 },
                                        tags: tags)
        return runResponse(run)
    }

    static func getRun(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        runResponse(try s.store.run(id: try runID(f)))
    }

    static func updateRun(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let id = try runID(f)
        var status: RunStatus?
        if let text = try f.string("status"), !text.isEmpty {
            guard let parsed = RunStatus(rawValue: text.uppercased()) ?? runStatus(number: text) else {
                throw MLflowError(.invalidParameterValue, "Invalid run status '\(MLflowFields.printable(text))'. Valid values are RUNNING, SCHEDULED, FINISHED, FAILED, KILLED")
            }
            status = parsed
        }
        let info = try s.store.updateRun(id: id, status: status, endTime: try f.int64("end_time"),
                                         name: try f.string("run_name").flatMap { $0.isEmpty ? nil : $0 })
        return MLflowJSON.response("run_info") { json in MLflowJSON.write(info, into: &json) }
    }

    static func deleteRun(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        _ = try s.store.setRunLifecycle(id: try runID(f), .deleted)
        return MLflowJSON.empty
    }

    static func restoreRun(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        _ = try s.store.setRunLifecycle(id: try runID(f), .active)
        return MLflowJSON.empty
    }

    static func logParam(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        try s.store.logParam(runID: try runID(f), key: try f.required("key"), value: try f.string("value") ?? "")
        return MLflowJSON.empty
    }

    static func logMetric(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        try s.store.logMetric(runID: try runID(f), try metric(f))
        return MLflowJSON.empty
    }

    static func logBatch(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let id = try runID(f)
        let metrics = try f.objects("metrics")
        let params = try f.keyValues("params")
        let tags = try f.keyValues("tags")
        let limits = s.store.configuration.limits
        guard metrics.count <= limits.maximumBatchMetrics, params.count <= limits.maximumBatchParams, tags.count <= limits.maximumBatchTags else {
            throw MLflowError(.invalidParameterValue, "A batch logging request can contain at most \(limits.maximumBatchMetrics) metrics, \(limits.maximumBatchParams) params and \(limits.maximumBatchTags) tags; got \(metrics.count) metrics, \(params.count) params and \(tags.count) tags")
        }
        var parsed: [Metric] = []
        parsed.reserveCapacity(metrics.count)
        for item in metrics { parsed.append(try metric(item)) }
        try s.store.logBatch(runID: id, metrics: parsed, params: params, tags: tags)
        return MLflowJSON.empty
    }

    static func setRunTag(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        try s.store.setRunTag(runID: try runID(f), key: try f.required("key"), value: try f.string("value") ?? "")
        return MLflowJSON.empty
    }

    static func deleteRunTag(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        try s.store.deleteRunTag(runID: try runID(f), key: try f.required("key"))
        return MLflowJSON.empty
    }

    static func metricHistory(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let history = try s.store.metricHistory(runID: try runID(f), key: try f.required("metric_key"))
        let limit = try MLflowPaging.maxResults(f, default: Int.max, maximum: Int.max)
        let (page, next) = MLflowPaging.page(history, offset: try MLflowPaging.offset(token: try f.string("page_token")), limit: limit)
        return Response.json { json in
            json.beginObject()
            // Empty repeated fields are left out, as MLflow's server (proto3 JSON) does.
            if !page.isEmpty {
                json.key("metrics")
                json.beginArray()
                for metric in page { MLflowJSON.write(metric, into: &json) }
                json.endArray()
            }
            if let next { json.key("next_page_token"); json.string(next) }
            json.endObject()
        }
    }

    // MARK: Helpers

    /// A run name in MLflow's style: predicate-noun-number (mlflow/utils/name_utils.py).
    static func randomRunName() -> String {
        let predicates = ["able", "amazing", "bold", "brave", "bright", "calm", "clean", "clever", "crisp", "gentle",
                          "glowing", "honest", "kind", "lively", "loud", "merciful", "nimble", "polite", "quiet", "rare",
                          "rebellious", "shy", "silent", "smiling", "sneaky", "stately", "sunny", "swift", "thundering", "wise"]
        let nouns = ["ant", "ape", "bass", "bat", "bear", "cat", "cod", "colt", "crab", "deer", "doe", "eel", "elk", "finch",
                     "fox", "frog", "gnat", "goat", "hare", "hawk", "jay", "lamb", "lark", "mole", "owl", "ram", "seal", "shrimp",
                     "slug", "stag", "toad", "wolf", "wren", "yak"]
        var generator = SystemRandomNumberGenerator()
        let predicate = predicates.randomElement(using: &generator) ?? "bold"
        let noun = nouns.randomElement(using: &generator) ?? "fox"
        return "\(predicate)-\(noun)-\(Int.random(in: 0...999, using: &generator))"
    }

    /// `run_id`, or the older `run_uuid`.
    static func runID(_ f: MLflowFields) throws(MLflowError) -> String {
        try f.required(["run_id", "run_uuid"])
    }

    /// An experiment id: MLflow's are decimal strings; anything else names no experiment.
    static func experimentID(_ text: String) throws(MLflowError) -> Int64 {
        guard let id = Int64(text), id >= 0 else {
            throw MLflowError(.resourceDoesNotExist, "No Experiment with id=\(MLflowFields.printable(text)) exists")
        }
        return id
    }

    /// One metric from a `log-metric` request or a `log-batch` entry.
    static func metric(_ f: MLflowFields) throws(MLflowError) -> Metric {
        let key = try f.required("key")
        guard let value = try f.double("value") else { throw MLflowError.missing("value") }
        guard let timestamp = try f.int64("timestamp") else { throw MLflowError.missing("timestamp") }
        return Metric(key: key, value: value, timestamp: timestamp, step: try f.int64("step") ?? 0)
    }

    /// `ViewType` as a name or its number: ACTIVE_ONLY (1, the default), DELETED_ONLY (2),
    /// ALL (3, nil).
    static func lifecycle(_ f: MLflowFields, _ field: String) throws(MLflowError) -> LifecycleStage? {
        switch (try f.string(field))?.uppercased() {
        case nil, "", "ACTIVE_ONLY", "1": return .active
        case "DELETED_ONLY", "2": return .deleted
        case "ALL", "3": return nil
        case let other?: throw MLflowError.invalid(field, "expected ACTIVE_ONLY, DELETED_ONLY or ALL, got '\(MLflowFields.printable(other))'")
        }
    }

    /// `RunStatus` by proto number (1 RUNNING … 5 KILLED).
    static func runStatus(number text: String) -> RunStatus? {
        switch text {
        case "1": return .running
        case "2": return .scheduled
        case "3": return .finished
        case "4": return .failed
        case "5": return .killed
        default: return nil
        }
    }

    static func experimentResponse(_ experiment: Experiment) -> Response {
        MLflowJSON.response("experiment") { json in MLflowJSON.write(experiment, into: &json) }
    }

    static func runResponse(_ run: Run) -> Response {
        MLflowJSON.response("run") { json in MLflowJSON.write(run, into: &json) }
    }
}
