import Glibc

/// The metadata store: models, versions, aliases, API keys, MLflow tracking data and the
/// audit log, in one SQLite file (`$MONOLITH_DATA/monolith.sqlite`).
///
/// Thread-safe (`Sendable`): reads run on pooled reader connections, writes on the single
/// writer, each call in one transaction (see `DatabasePool`). Opening migrates the schema
/// (forward-only; a newer database is refused). Every method throws `StoreError` for what
/// the caller did wrong (unknown name, bad argument, conflict) and `DatabaseError` when
/// SQLite itself fails.
///
/// Crash safety: a version row is created only from a `StoredArtifact`, which only the
/// `ArtifactStore` makes once the file is durable; the row is then inserted in one
/// transaction. A crash at any instant leaves an orphan blob at worst (`cleanOrphans` with
/// `referencedDigests()`), never a version without its file. Versions a crash left in
/// `loading` are listed by `versions(withStatus: .loading)` for the caller to reload or fail.
public final class MetadataStore: Sendable {
    /// Store settings.
    public struct Configuration: Sendable {
        /// The connection pool settings (readers, busy timeout, read-only).
        public var pool = DatabasePool.Configuration()
        /// Size limits on stored text.
        public var limits = Limits()
        /// The current time in milliseconds since the Unix epoch (tests inject their own).
        public var clock: @Sendable () -> Int64 = MetadataStore.systemClock

        /// The default settings.
        public init() {}
    }

    /// Size limits on what callers may store (MLflow's own limits where it has them).
    public struct Limits: Sendable {
        /// Names of models, experiments, runs and aliases, and tag/param/metric keys, in bytes.
        public var maximumNameBytes = 250
        /// Tag values (MLflow MAX_TAG_VAL_LENGTH is 8000).
        public var maximumTagValueBytes = 8000
        /// Param values (MLflow MAX_PARAM_VAL_LENGTH is 6000).
        public var maximumParamValueBytes = 6000
        /// Descriptions, status reasons, sources, URIs.
        public var maximumTextBytes = 65_536
        /// Signature and metadata JSON.
        public var maximumJSONBytes = 1 << 20
        /// Tags per call and entries per `logBatch` (MLflow allows 1000 metrics, 100 params,
        /// 100 tags per batch).
        public var maximumBatchMetrics = 1000
        public var maximumBatchParams = 100
        public var maximumBatchTags = 100

        /// The default limits.
        public init() {}
    }

    /// The database (for `/db-check`, integrity checks, tools).
    public let pool: DatabasePool
    /// The settings.
    public let configuration: Configuration
    var limits: Limits { configuration.limits }

    /// Opens the store at `path` and migrates it. A read-only pool is checked instead:
    /// pending or unknown migrations are an error.
    public init(path: String, configuration: Configuration = Configuration()) throws {
        self.configuration = configuration
        self.pool = try DatabasePool(path: path, configuration: configuration.pool)
        if pool.isReadOnly {
            try pool.read { db in
                let pending = try MetadataStore.migrator.pendingIdentifiers(in: db)
                if !pending.isEmpty { throw MigrationError.readOnly(path: path, pending: pending) }
            }
        } else {
            try pool.writeWithoutTransaction { db in try MetadataStore.migrator.migrate(db) }
        }
    }

    /// A private in-memory store (tests, dry runs).
    public static func inMemory(configuration: Configuration = Configuration()) throws -> MetadataStore {
        try MetadataStore(path: ":memory:", configuration: configuration)
    }

    /// Milliseconds since the Unix epoch from the system clock.
    @Sendable public static func systemClock() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    func now() -> Int64 { configuration.clock() }

    // MARK: Health

    /// Runs `SELECT 1` on a reader: what `/db-check` reports.
    public func ping() throws {
        _ = try pool.read { db in try db.fetchValue(Int64.self, "SELECT 1") }
    }

    /// `PRAGMA integrity_check` + `foreign_key_check`; empty when sound.
    public func integrityCheck() throws -> [String] {
        try pool.read { db in try db.integrityCheck() }
    }

    // MARK: Change counters

    /// A counter that grows whenever the data behind it changes, whichever process changed
    /// it (triggers bump it in the same transaction). Costs one indexed read: poll it
    /// (e.g. every 500 ms) and reload when it moved.
    public func generation(_ counter: ChangeCounter) throws -> Int64 {
        try pool.read { db in
            try db.fetchValue(Int64.self, "SELECT value FROM generations WHERE name = ?", [counter.rawValue]) ?? 0
        }
    }

    // MARK: Audit

    /// Appends an audit entry (for actions the store does not record itself).
    public func appendAudit(actor: String?, action: String, target: String, detail: String = "") throws {
        try pool.write { db in try self.audit(db, actor: actor, action: action, target: target, detail: detail) }
    }

    /// The newest audit entries first, up to `limit`, older than `beforeID` when given.
    public func auditLog(limit: Int = 100, beforeID: Int64? = nil) throws -> [AuditEntry] {
        let limit = max(0, min(limit, 10_000))
        return try pool.read { db in
            try db.fetchAll("""
                SELECT id, at, actor, action, target, detail FROM audit_log
                WHERE id < ? ORDER BY id DESC LIMIT ?
                """, [beforeID ?? Int64.max, Int64(limit)]) { row in
                AuditEntry(id: try row.int64(0), at: try row.int64(1), actor: try row.optionalString(2),
                           action: try row.string(3), target: try row.string(4), detail: try row.string(5))
            }
        }
    }

    /// Deletes all but the newest `keeping` audit entries; returns how many were removed.
    @discardableResult
    public func pruneAuditLog(keeping: Int) throws -> Int {
        try pool.write { db in
            try db.execute("DELETE FROM audit_log WHERE id <= (SELECT max(id) FROM audit_log) - ?", [Int64(max(0, keeping))])
            return db.changesCount
        }
    }

    func audit(_ db: Database, actor: String?, action: String, target: String, detail: String = "") throws {
        try db.execute("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                       [now(), actor, action, target, detail])
    }
}
