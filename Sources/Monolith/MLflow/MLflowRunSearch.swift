import HTTPKit
import StoreKitLite

/// `POST runs/search` (MLflow `SearchRuns`): runs of the given experiments, filtered with
/// MLflow's filter language over attributes, params, tags and (latest) metrics, ordered and
/// paged. Evaluated in memory over the experiments' runs (at most 100,000 per call).
enum MLflowRunSearch {
    static let attributes: Set<String> = [
        "run_id", "run_name", "status", "start_time", "end_time", "user_id", "artifact_uri", "lifecycle_stage",
    ]
    static let numericAttributes: Set<String> = ["start_time", "end_time"]

    static func search(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let filter = try MLflowFilter(parsing: try f.string("filter"))
        for clause in filter.clauses where clause.entity == .attribute && !attributes.contains(normalize(clause.key)) {
            throw MLflowError(.invalidParameterValue, "Invalid attribute key '\(MLflowFields.printable(clause.key))' specified. Valid keys are \(attributes.sorted())")
        }
        let limit = try MLflowPaging.maxResults(f, default: 1000, maximum: 50_000)
        var order = try MLflowPaging.order(try f.strings("order_by"), valid: "attributes.\(attributes.sorted()), metrics.<key>, params.<key>, tags.<key>") { entity, key in
            guard entity == .attribute else { return key }
            let name = normalize(key)
            return attributes.contains(name) ? name : nil
        }
        if !order.contains(where: { $0.entity == .attribute && $0.key == "start_time" }) {
            order.append(.init(entity: .attribute, key: "start_time", ascending: false))
        }
        order.append(.init(entity: .attribute, key: "run_id", ascending: true))
        let offset = try MLflowPaging.offset(token: try f.string("page_token"))
        let experimentIDs = try f.strings("experiment_ids").compactMap { Int64($0) }
        let runs = experimentIDs.isEmpty ? [] : try s.store.runs(
            experimentIDs: experimentIDs, lifecycle: try MLflowTrackingRoutes.lifecycle(f, "run_view_type"), limit: 100_000)
        var matched: [Run] = []
        for run in runs where try matches(run, filter) { matched.append(run) }
        let sorted = MLflowPaging.sort(matched, by: order) { run, term in value(run, term.entity, term.key) }
        let (page, next) = MLflowPaging.page(sorted, offset: offset, limit: limit)
        return Response.json { json in
            json.beginObject()
            // Empty repeated fields are left out, as MLflow's server (proto3 JSON) does.
            if !page.isEmpty {
                json.key("runs")
                json.beginArray()
                for run in page { MLflowJSON.write(run, into: &json) }
                json.endArray()
            }
            if let next { json.key("next_page_token"); json.string(next) }
            json.endObject()
        }
    }

    /// MLflow's attribute spellings: `run_name` also as `runName`, `run_id` as `run_uuid`.
    static func normalize(_ key: String) -> String {
        switch key {
        case "run_uuid", "id": return "run_id"
        case "runName", "name": return "run_name"
        case "created", "Created": return "start_time"
        default: return key
        }
    }

    static func matches(_ run: Run, _ filter: MLflowFilter) throws(MLflowError) -> Bool {
        for clause in filter.clauses {
            let ok: Bool
            switch clause.entity {
            case .metric:
                ok = try MLflowFilter.matches(run.metrics.first { $0.key == clause.key }?.value, clause)
            case .param:
                ok = try MLflowFilter.matches(run.params[clause.key], clause)
            case .tag:
                ok = try MLflowFilter.matches(run.tags[clause.key], clause)
            case .attribute:
                let key = normalize(clause.key)
                if numericAttributes.contains(key) {
                    let time = key == "start_time" ? run.info.startTime : run.info.endTime
                    ok = try MLflowFilter.matches(time.map(Double.init), clause)
                } else {
                    ok = try MLflowFilter.matches(text(run.info, key), clause)
                }
            }
            if !ok { return false }
        }
        return true
    }

    static func text(_ info: RunInfo, _ key: String) -> String? {
        switch key {
        case "run_id": return info.runID
        case "run_name": return info.name
        case "status": return info.status.rawValue
        case "user_id": return info.userID
        case "artifact_uri": return info.artifactURI
        case "lifecycle_stage": return info.lifecycleStage.rawValue
        default: return nil
        }
    }

    static func value(_ run: Run, _ entity: MLflowFilter.Entity, _ key: String) -> MLflowPaging.SortValue {
        switch entity {
        case .metric:
            guard let value = run.metrics.first(where: { $0.key == key })?.value, !value.isNaN else { return .absent }
            return .number(value)
        case .param:
            return run.params[key].map { .text($0) } ?? .absent
        case .tag:
            return run.tags[key].map { .text($0) } ?? .absent
        case .attribute:
            switch key {
            case "start_time": return run.info.startTime.map { .number(Double($0)) } ?? .absent
            case "end_time": return run.info.endTime.map { .number(Double($0)) } ?? .absent
            default: return text(run.info, key).map { .text($0) } ?? .absent
            }
        }
    }
}
