import HTTPKit
import StoreKitLite

/// Writes store records in MLflow's JSON shape (mlflow/protos/model_registry.proto and
/// service.proto, as the MLflow server prints them): proto field names, int64 timestamps as
/// numbers, a version number as a string, enum names, unset and empty repeated fields
/// omitted. Non-finite doubles are the strings `"NaN"`, `"Infinity"`, `"-Infinity"`
/// (proto3 JSON; a `null` would read back as 0).
enum MLflowJSON {
    // MARK: Model registry

    /// MLflow `ModelVersionStatus` of a stored status.
    static func status(_ status: StoredVersionStatus) -> String {
        switch status {
        case .loading: return "PENDING_REGISTRATION"
        case .ready: return "READY"
        case .failed: return "FAILED_REGISTRATION"
        }
    }

    /// A `ModelVersion` object.
    static func write(_ version: ModelVersion, into json: inout JSONWriter) {
        json.beginObject()
        json.key("name"); json.string(version.modelName)
        json.key("version"); json.string(String(version.version))
        json.key("creation_timestamp"); json.number(version.createdAt)
        json.key("last_updated_timestamp"); json.number(version.updatedAt)
        if let user = version.userID { json.key("user_id"); json.string(user) }
        json.key("current_stage"); json.string(version.stage.rawValue)
        if !version.description.isEmpty { json.key("description"); json.string(version.description) }
        json.key("source"); json.string(version.source.location)
        if let run = version.runID { json.key("run_id"); json.string(run) }
        json.key("status"); json.string(status(version.status))
        if !version.statusReason.isEmpty { json.key("status_message"); json.string(version.statusReason) }
        writeTags(version.tags, into: &json)
        if let link = version.runLink { json.key("run_link"); json.string(link) }
        if !version.aliases.isEmpty {
            json.key("aliases")
            json.beginArray()
            for alias in version.aliases.sorted() { json.string(alias) }
            json.endArray()
        }
        json.endObject()
    }

    /// A `RegisteredModel` object; `latest` are its `latest_versions` (the highest version
    /// in each stage).
    static func write(_ model: RegisteredModel, latest: [ModelVersion], into json: inout JSONWriter) {
        json.beginObject()
        json.key("name"); json.string(model.name)
        json.key("creation_timestamp"); json.number(model.createdAt)
        json.key("last_updated_timestamp"); json.number(model.updatedAt)
        if let user = model.userID { json.key("user_id"); json.string(user) }
        if !model.description.isEmpty { json.key("description"); json.string(model.description) }
        if !latest.isEmpty {
            json.key("latest_versions")
            json.beginArray()
            for version in latest { write(version, into: &json) }
            json.endArray()
        }
        writeTags(model.tags, into: &json)
        if !model.aliases.isEmpty {
            json.key("aliases")
            json.beginArray()
            for (alias, number) in model.aliases.sorted(by: { $0.key < $1.key }) {
                json.beginObject()
                json.key("alias"); json.string(alias)
                json.key("version"); json.string(String(number))
                json.endObject()
            }
            json.endArray()
        }
        json.endObject()
    }

    /// The highest version in each stage, by ascending number (MLflow's `latest_versions`).
    static func latestPerStage(_ versions: [ModelVersion], stages: [VersionStage] = []) -> [ModelVersion] {
        var best: [VersionStage: ModelVersion] = [:]
        for version in versions where stages.isEmpty || stages.contains(version.stage) {
            if let current = best[version.stage], current.version >= version.version { continue }
            best[version.stage] = version
        }
        return best.values.sorted { $0.version < $1.version }
    }

    // MARK: Tracking

    /// An `Experiment` object.
    static func write(_ experiment: Experiment, into json: inout JSONWriter) {
        json.beginObject()
        json.key("experiment_id"); json.string(String(experiment.id))
        json.key("name"); json.string(experiment.name)
        json.key("artifact_location"); json.string(experiment.artifactLocation)
        json.key("lifecycle_stage"); json.string(experiment.lifecycleStage.rawValue)
        json.key("last_update_time"); json.number(experiment.updatedAt)
        json.key("creation_time"); json.number(experiment.createdAt)
        writeTags(experiment.tags, into: &json)
        json.endObject()
    }

    /// A `RunInfo` object.
    static func write(_ info: RunInfo, into json: inout JSONWriter) {
        json.beginObject()
        json.key("run_id"); json.string(info.runID)
        json.key("run_uuid"); json.string(info.runID)
        json.key("run_name"); json.string(info.name)
        json.key("experiment_id"); json.string(String(info.experimentID))
        if let user = info.userID { json.key("user_id"); json.string(user) }
        json.key("status"); json.string(info.status.rawValue)
        if let start = info.startTime { json.key("start_time"); json.number(start) }
        if let end = info.endTime { json.key("end_time"); json.number(end) }
        json.key("artifact_uri"); json.string(info.artifactURI)
        json.key("lifecycle_stage"); json.string(info.lifecycleStage.rawValue)
        json.endObject()
    }

    /// A `Run` object: info, data (latest metrics, params, tags) and empty inputs.
    static func write(_ run: Run, into json: inout JSONWriter) {
        json.beginObject()
        json.key("info"); write(run.info, into: &json)
        json.key("data")
        json.beginObject()
        if !run.metrics.isEmpty {
            json.key("metrics")
            json.beginArray()
            for metric in run.metrics { write(metric, into: &json) }
            json.endArray()
        }
        if !run.params.isEmpty {
            json.key("params")
            writePairs(run.params, into: &json)
        }
        if !run.tags.isEmpty {
            json.key("tags")
            writePairs(run.tags, into: &json)
        }
        json.endObject()
        json.key("inputs"); json.beginObject(); json.endObject()
        json.endObject()
    }

    /// A `Metric` object.
    static func write(_ metric: Metric, into json: inout JSONWriter) {
        json.beginObject()
        json.key("key"); json.string(metric.key)
        json.key("value"); double(metric.value, into: &json)
        json.key("timestamp"); json.number(metric.timestamp)
        json.key("step"); json.number(metric.step)
        json.endObject()
    }

    /// A double in proto3 JSON: non-finite values as their names.
    static func double(_ value: Double, into json: inout JSONWriter) {
        if value.isNaN {
            json.string("NaN")
        } else if value.isInfinite {
            json.string(value > 0 ? "Infinity" : "-Infinity")
        } else {
            json.number(value)
        }
    }

    // MARK: Shared

    /// `"tags": [{"key","value"}...]` sorted by key, omitted when empty.
    static func writeTags(_ tags: [String: String], into json: inout JSONWriter) {
        guard !tags.isEmpty else { return }
        json.key("tags")
        writePairs(tags, into: &json)
    }

    /// `[{"key","value"}...]` sorted by key.
    static func writePairs(_ pairs: [String: String], into json: inout JSONWriter) {
        json.beginArray()
        for (key, value) in pairs.sorted(by: { $0.key < $1.key }) {
            json.beginObject()
            json.key("key"); json.string(key)
            json.key("value"); json.string(value)
            json.endObject()
        }
        json.endArray()
    }

    /// `{}`: what MLflow answers for calls without a result.
    static let empty = Response.json(bytes: Array("{}".utf8))

    /// `{"<key>": <object>}`.
    static func response(_ key: String, _ write: (inout JSONWriter) -> Void) -> Response {
        Response.json { json in
            json.beginObject()
            json.key(key)
            write(&json)
            json.endObject()
        }
    }
}
