/// Whether an experiment or run is live or soft-deleted (MLflow `lifecycle_stage`).
public enum LifecycleStage: String, Sendable, Hashable, CaseIterable {
    case active
    case deleted
}

/// An MLflow experiment.
public struct Experiment: Sendable, Hashable {
    /// The id (MLflow sends it as a string; "0" is the Default experiment).
    public var id: Int64
    /// The unique name.
    public var name: String
    /// Where its runs' artifacts go.
    public var artifactLocation: String
    /// Active or deleted.
    public var lifecycleStage: LifecycleStage
    /// Creation time, ms since the epoch.
    public var createdAt: Int64
    /// Last update, ms since the epoch.
    public var updatedAt: Int64
    /// Tags.
    public var tags: [String: String]
}

/// MLflow `RunStatus`.
public enum RunStatus: String, Sendable, Hashable, CaseIterable {
    case running = "RUNNING"
    case scheduled = "SCHEDULED"
    case finished = "FINISHED"
    case failed = "FAILED"
    case killed = "KILLED"
}

/// MLflow `RunInfo`.
public struct RunInfo: Sendable, Hashable {
    /// 32 lowercase hex digits (a UUID without dashes, as MLflow makes them).
    public var runID: String
    /// The experiment.
    public var experimentID: Int64
    /// The run name (kept in sync with the `mlflow.runName` tag).
    public var name: String
    /// Who ran it.
    public var userID: String?
    /// The status.
    public var status: RunStatus
    /// Start time, ms since the epoch.
    public var startTime: Int64?
    /// End time, ms since the epoch.
    public var endTime: Int64?
    /// Active or deleted.
    public var lifecycleStage: LifecycleStage
    /// `<experiment artifact location>/<run id>/artifacts`.
    public var artifactURI: String
}

/// One logged metric value.
public struct Metric: Sendable, Hashable {
    /// The metric name.
    public var key: String
    /// The value (NaN and infinities allowed).
    public var value: Double
    /// When, ms since the epoch.
    public var timestamp: Int64
    /// The training step.
    public var step: Int64

    /// Creates a metric value.
    public init(key: String, value: Double, timestamp: Int64, step: Int64 = 0) {
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.step = step
    }

    public static func == (a: Metric, b: Metric) -> Bool {
        a.key == b.key && a.timestamp == b.timestamp && a.step == b.step
            && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(key)
        hasher.combine(timestamp)
        hasher.combine(step)
        if value.isNaN { hasher.combine(Double.nan.bitPattern) } else { hasher.combine(value) }
    }
}

/// A run with its data (MLflow `Run`: info + params, latest metrics, tags).
public struct Run: Sendable, Hashable {
    /// The run's info.
    public var info: RunInfo
    /// Parameters, immutable once logged.
    public var params: [String: String]
    /// The latest value of each metric (highest step, then latest timestamp), sorted by key.
    public var metrics: [Metric]
    /// Tags.
    public var tags: [String: String]
}
