extension MetadataStore {
    /// The id of MLflow's Default experiment.
    public static let defaultExperimentID: Int64 = 0

    // MARK: Experiments

    /// Creates an experiment. With no artifact location it gets `mlflow-artifacts:/<id>`,
    /// as an MLflow server with `--serve-artifacts` does. Throws `.alreadyExists` when the
    /// name is taken (also by a deleted experiment, as in MLflow).
    public func createExperiment(name: String, artifactLocation: String? = nil, tags: [String: String] = [:]) throws -> Experiment {
        try validateExperimentName(name)
        try validateText(artifactLocation, what: "artifact location")
        try validateTags(tags, what: "tag")
        return try pool.write { db in
            let time = now()
            do {
                try db.execute("""
                    INSERT INTO experiments (name, artifact_location, created_at, updated_at) VALUES (?, '', ?, ?)
                    """, [name, time, time])
            } catch {
                throw MetadataStore.translate(error, alreadyExists: "experiment '\(name)' already exists")
            }
            let id = db.lastInsertedRowID
            try db.execute("UPDATE experiments SET artifact_location = ? WHERE id = ?", [artifactLocation ?? "mlflow-artifacts:/\(id)", id])
            for (key, value) in tags {
                try db.execute("INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)", [id, key, value])
            }
            return try loadExperiment(db, id: id)
        }
    }

    /// The experiment with this id. Throws `.notFound`.
    public func experiment(id: Int64) throws -> Experiment {
        try pool.read { db in try loadExperiment(db, id: id) }
    }

    /// The experiment with this name (active or deleted). Throws `.notFound`.
    public func experiment(named name: String) throws -> Experiment {
        try pool.read { db in
            guard let id = try db.fetchValue(Int64.self, "SELECT id FROM experiments WHERE name = ?", [name]) else {
                throw StoreError(.notFound, "experiment '\(MetadataStore.printable(name))' not found")
            }
            return try loadExperiment(db, id: id)
        }
    }

    /// Experiments by id, filtered by lifecycle (nil: all).
    public func experiments(lifecycle: LifecycleStage? = .active, limit: Int = 1000, offset: Int = 0) throws -> [Experiment] {
        let (limit, offset) = page(limit, offset)
        return try pool.read { db in
            let ids = try db.fetchAll("""
                SELECT id FROM experiments WHERE (?1 IS NULL OR lifecycle_stage = ?1) ORDER BY id LIMIT ?2 OFFSET ?3
                """, [lifecycle?.rawValue, limit, offset]) { try $0.int64(0) }
            return try ids.map { try loadExperiment(db, id: $0) }
        }
    }

    /// Renames an experiment.
    public func renameExperiment(id: Int64, to name: String) throws -> Experiment {
        try validateExperimentName(name)
        return try pool.write { db in
            _ = try loadExperiment(db, id: id)
            do {
                try db.execute("UPDATE experiments SET name = ?, updated_at = ? WHERE id = ?", [name, now(), id])
            } catch {
                throw MetadataStore.translate(error, alreadyExists: "experiment '\(name)' already exists")
            }
            return try loadExperiment(db, id: id)
        }
    }

    /// Soft-deletes or restores an experiment (MLflow delete/restore-experiment).
    public func setExperimentLifecycle(id: Int64, _ stage: LifecycleStage) throws -> Experiment {
        try pool.write { db in
            _ = try loadExperiment(db, id: id)
            try db.execute("UPDATE experiments SET lifecycle_stage = ?, updated_at = ? WHERE id = ?", [stage.rawValue, now(), id])
            return try loadExperiment(db, id: id)
        }
    }

    /// Sets (or replaces) an experiment tag.
    public func setExperimentTag(id: Int64, key: String, value: String) throws {
        try validateKey(key, what: "tag")
        try validateText(value, what: "tag '\(key)'", maximum: limits.maximumTagValueBytes)
        try pool.write { db in
            _ = try loadExperiment(db, id: id)
            try db.execute("""
                INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)
                ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value
                """, [id, key, value])
        }
    }

    // MARK: Runs

    /// The tag MLflow keeps in sync with the run name.
    public static let runNameTag = "mlflow.runName"

    /// Starts a run in an active experiment; its id is 32 random hex digits and its artifact
    /// URI `<experiment artifact location>/<run id>/artifacts`.
    public func createRun(
        experimentID: Int64 = MetadataStore.defaultExperimentID, name: String = "", startTime: Int64? = nil,
        userID: String? = nil, tags: [String: String] = [:]
    ) throws -> Run {
        try validateText(name, what: "run name", maximum: limits.maximumNameBytes)
        try validateText(userID, what: "user id", maximum: limits.maximumNameBytes)
        try validateTags(tags, what: "tag")
        var generator = SystemRandomNumberGenerator()
        let runID = MetadataStore.randomHex(bytes: 16, using: &generator)
        return try pool.write { db in
            let experiment = try loadExperiment(db, id: experimentID)
            guard experiment.lifecycleStage == .active else {
                throw StoreError(.invalidState, "experiment \(experimentID) is deleted")
            }
            var allTags = tags
            let runName = name.isEmpty ? (tags[MetadataStore.runNameTag] ?? "") : name
            if !runName.isEmpty { allTags[MetadataStore.runNameTag] = runName }
            try db.execute("""
                INSERT INTO runs (run_id, experiment_id, name, user_id, status, start_time, artifact_uri)
                VALUES (?, ?, ?, ?, 'RUNNING', ?, ?)
                """, [runID, experimentID, runName, userID, startTime ?? now(),
                      experiment.artifactLocation + "/" + runID + "/artifacts"])
            for (key, value) in allTags {
                try db.execute("INSERT INTO run_tags (run_id, key, value) VALUES (?, ?, ?)", [runID, key, value])
            }
            return try loadRun(db, runID)
        }
    }

    /// A run with its params, latest metrics and tags. Throws `.notFound`.
    public func run(id runID: String) throws -> Run {
        try validateRunID(runID)
        return try pool.read { db in try loadRun(db, runID) }
    }

    /// Runs of the given experiments, newest start first, filtered by lifecycle (nil: all).
    public func runs(
        experimentIDs: [Int64], lifecycle: LifecycleStage? = .active, limit: Int = 1000, offset: Int = 0
    ) throws -> [Run] {
        let (limit, offset) = page(limit, offset)
        // The ids travel as one JSON array bound to json_each: no SQL built from input.
        let idList = "[" + Set(experimentIDs).map(String.init).joined(separator: ",") + "]"
        return try pool.read { db in
            let ids = try db.fetchAll("""
                SELECT run_id FROM runs
                WHERE experiment_id IN (SELECT value FROM json_each(?1)) AND (?2 IS NULL OR lifecycle_stage = ?2)
                ORDER BY start_time DESC, run_id DESC LIMIT ?3 OFFSET ?4
                """, [idList, lifecycle?.rawValue, limit, offset]) { try $0.string(0) }
            return try ids.map { try loadRun(db, $0) }
        }
    }

    /// Updates a run's status, end time and/or name (MLflow update-run).
    public func updateRun(id runID: String, status: RunStatus? = nil, endTime: Int64? = nil, name: String? = nil) throws -> RunInfo {
        try validateRunID(runID)
        try validateText(name, what: "run name", maximum: limits.maximumNameBytes)
        return try pool.write { db in
            _ = try activeRunInfo(db, runID)
            if let status { try db.execute("UPDATE runs SET status = ? WHERE run_id = ?", [status.rawValue, runID]) }
            if let endTime { try db.execute("UPDATE runs SET end_time = ? WHERE run_id = ?", [endTime, runID]) }
            if let name { try setRunName(db, runID, name) }
            return try loadRunInfo(db, runID)
        }
    }

    /// Soft-deletes or restores a run.
    public func setRunLifecycle(id runID: String, _ stage: LifecycleStage) throws -> RunInfo {
        try validateRunID(runID)
        return try pool.write { db in
            _ = try loadRunInfo(db, runID)
            try db.execute("UPDATE runs SET lifecycle_stage = ? WHERE run_id = ?", [stage.rawValue, runID])
            return try loadRunInfo(db, runID)
        }
    }

    /// Logs a parameter. Logging the same value again is fine; a different value is an
    /// `.invalidArgument` error: MLflow params are immutable ("Changing param values is not
    /// allowed").
    public func logParam(runID: String, key: String, value: String) throws {
        try logBatch(runID: runID, params: [(key, value)])
    }

    /// Logs one metric value; every value is kept (see `metricHistory`).
    public func logMetric(runID: String, _ metric: Metric) throws {
        try logBatch(runID: runID, metrics: [metric])
    }

    /// Sets (or replaces) a run tag; `mlflow.runName` also renames the run.
    public func setRunTag(runID: String, key: String, value: String) throws {
        try logBatch(runID: runID, tags: [(key, value)])
    }

    /// Deletes a run tag. Throws `.notFound` when absent.
    public func deleteRunTag(runID: String, key: String) throws {
        try validateRunID(runID)
        try pool.write { db in
            _ = try activeRunInfo(db, runID)
            try db.execute("DELETE FROM run_tags WHERE run_id = ? AND key = ?", [runID, key])
            guard db.changesCount > 0 else {
                throw StoreError(.notFound, "tag '\(MetadataStore.printable(key))' of run '\(runID)' not found")
            }
        }
    }

    /// Logs metrics, params and tags in one transaction (MLflow log-batch): all or nothing.
    public func logBatch(
        runID: String, metrics: [Metric] = [], params: [(key: String, value: String)] = [],
        tags: [(key: String, value: String)] = []
    ) throws {
        try validateRunID(runID)
        guard metrics.count <= limits.maximumBatchMetrics, params.count <= limits.maximumBatchParams,
              tags.count <= limits.maximumBatchTags
        else {
            throw StoreError(.invalidArgument, "a batch holds at most \(limits.maximumBatchMetrics) metrics, \(limits.maximumBatchParams) params and \(limits.maximumBatchTags) tags")
        }
        for metric in metrics { try validateKey(metric.key, what: "metric") }
        for param in params {
            try validateKey(param.key, what: "param")
            try validateText(param.value, what: "param '\(param.key)'", maximum: limits.maximumParamValueBytes)
        }
        for tag in tags {
            try validateKey(tag.key, what: "tag")
            try validateText(tag.value, what: "tag '\(tag.key)'", maximum: limits.maximumTagValueBytes)
        }
        try pool.write { db in
            _ = try activeRunInfo(db, runID)
            for param in params {
                if let existing = try db.fetchValue(String.self, "SELECT value FROM run_params WHERE run_id = ? AND key = ?", [runID, param.key]) {
                    guard existing == param.value else {
                        throw StoreError(.invalidArgument, "changing param values is not allowed: param '\(MetadataStore.printable(param.key))' of run '\(runID)' was already logged with another value")
                    }
                    continue
                }
                try db.execute("INSERT INTO run_params (run_id, key, value) VALUES (?, ?, ?)", [runID, param.key, param.value])
            }
            for metric in metrics {
                try db.execute("INSERT INTO run_metrics (run_id, key, value, is_nan, timestamp, step) VALUES (?, ?, ?, ?, ?, ?)",
                               [runID, metric.key, metric.value.isNaN ? nil : metric.value, metric.value.isNaN,
                                metric.timestamp, metric.step])
            }
            for tag in tags {
                if tag.key == MetadataStore.runNameTag {
                    try setRunName(db, runID, tag.value)
                } else {
                    try db.execute("""
                        INSERT INTO run_tags (run_id, key, value) VALUES (?, ?, ?)
                        ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value
                        """, [runID, tag.key, tag.value])
                }
            }
        }
    }

    /// Every logged value of a metric, by step then timestamp (MLflow get-metric-history).
    public func metricHistory(runID: String, key: String) throws -> [Metric] {
        try validateRunID(runID)
        return try pool.read { db in
            _ = try loadRunInfo(db, runID)
            return try db.fetchAll("""
                SELECT key, value, is_nan, timestamp, step FROM run_metrics WHERE run_id = ? AND key = ?
                ORDER BY step, timestamp, seq
                """, [runID, key], MetadataStore.decodeMetric)
        }
    }

    // MARK: Helpers

    private func validateExperimentName(_ name: String) throws {
        guard !name.isEmpty, name.utf8.count <= 500, !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw StoreError(.invalidArgument, "experiment name must be 1 to 500 bytes without control characters")
        }
    }

    private func setRunName(_ db: Database, _ runID: String, _ name: String) throws {
        try db.execute("UPDATE runs SET name = ? WHERE run_id = ?", [name, runID])
        try db.execute("""
            INSERT INTO run_tags (run_id, key, value) VALUES (?, ?, ?)
            ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value
            """, [runID, MetadataStore.runNameTag, name])
    }

    func loadExperiment(_ db: Database, id: Int64) throws -> Experiment {
        let found = try db.fetchOne("""
            SELECT id, name, artifact_location, lifecycle_stage, created_at, updated_at FROM experiments WHERE id = ?
            """, [id]) { row in
            guard let stage = LifecycleStage(rawValue: try row.string(3)) else {
                throw StoreError(.corrupt, "experiment row has an unknown lifecycle stage")
            }
            return Experiment(id: try row.int64(0), name: try row.string(1), artifactLocation: try row.string(2),
                              lifecycleStage: stage, createdAt: try row.int64(4), updatedAt: try row.int64(5), tags: [:])
        }
        guard var experiment = found else { throw StoreError(.notFound, "experiment \(id) not found") }
        let tags = try db.fetchAll("SELECT key, value FROM experiment_tags WHERE experiment_id = ?", [id]) { row in
            (try row.string(0), try row.string(1))
        }
        experiment.tags = Dictionary(tags, uniquingKeysWith: { a, _ in a })
        return experiment
    }

    func loadRunInfo(_ db: Database, _ runID: String) throws -> RunInfo {
        let found = try db.fetchOne("""
            SELECT run_id, experiment_id, name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri
            FROM runs WHERE run_id = ?
            """, [runID]) { row in
            guard let status = RunStatus(rawValue: try row.string(4)), let stage = LifecycleStage(rawValue: try row.string(7)) else {
                throw StoreError(.corrupt, "run row has an unknown status or lifecycle stage")
            }
            return RunInfo(runID: try row.string(0), experimentID: try row.int64(1), name: try row.string(2),
                           userID: try row.optionalString(3), status: status, startTime: try row.optionalInt64(5),
                           endTime: try row.optionalInt64(6), lifecycleStage: stage, artifactURI: try row.string(8))
        }
        guard let info = found else { throw StoreError(.notFound, "run '\(runID)' not found") }
        return info
    }

    /// The run's info when it may be written to (MLflow refuses writes to deleted runs).
    private func activeRunInfo(_ db: Database, _ runID: String) throws -> RunInfo {
        let info = try loadRunInfo(db, runID)
        guard info.lifecycleStage == .active else {
            throw StoreError(.invalidState, "run '\(runID)' is deleted; restore it to write to it")
        }
        return info
    }

    func loadRun(_ db: Database, _ runID: String) throws -> Run {
        let info = try loadRunInfo(db, runID)
        let params = try db.fetchAll("SELECT key, value FROM run_params WHERE run_id = ?", [runID]) { row in
            (try row.string(0), try row.string(1))
        }
        let tags = try db.fetchAll("SELECT key, value FROM run_tags WHERE run_id = ?", [runID]) { row in
            (try row.string(0), try row.string(1))
        }
        // Latest value per key: highest step, then latest timestamp, then last logged
        // (MLflow's latest_metrics ordering).
        let metrics = try db.fetchAll("""
            SELECT key, value, is_nan, timestamp, step FROM (
                SELECT key, value, is_nan, timestamp, step,
                       row_number() OVER (PARTITION BY key ORDER BY step DESC, timestamp DESC, seq DESC) AS rank
                FROM run_metrics WHERE run_id = ?)
            WHERE rank = 1 ORDER BY key
            """, [runID], MetadataStore.decodeMetric)
        return Run(info: info, params: Dictionary(params, uniquingKeysWith: { a, _ in a }), metrics: metrics,
                   tags: Dictionary(tags, uniquingKeysWith: { a, _ in a }))
    }

    static func decodeMetric(_ row: Row) throws -> Metric {
        let isNaN = try row.int64(2) != 0
        let value = isNaN ? Double.nan : try row.double(1)
        return Metric(key: try row.string(0), value: value, timestamp: try row.int64(3), step: try row.int64(4))
    }
}
