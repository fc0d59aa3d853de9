extension MetadataStore {
    /// The schema, as forward-only migrations. Never edit a shipped step: add a new one.
    ///
    /// JSON columns are checked by the store before writing (`json_valid`), not by CHECK
    /// constraints: with `trusted_schema=OFF` the schema may not call JSON functions.
    ///
    /// Times are INTEGER milliseconds since the Unix epoch (MLflow's unit). Tables are STRICT
    /// so that a value of the wrong type is refused, not coerced. Change counters are bumped
    /// by triggers, so every writer (server, CLI, a future tool) bumps them.
    public static let migrator: Migrator = {
        var migrator = Migrator()
        migrator.register("2025-01-registry") { db in try db.executeScript(registrySchema) }
        migrator.register("2025-01-api-keys") { db in try db.executeScript(apiKeySchema) }
        migrator.register("2025-01-tracking") { db in try db.executeScript(trackingSchema) }
        migrator.register("2025-01-audit") { db in try db.executeScript(auditSchema) }
        migrator.register("2025-01-registry-files") { db in try db.executeScript(registryFilesSchema) }
        return migrator
    }()

    static let registrySchema = """
        CREATE TABLE generations (
            name TEXT NOT NULL PRIMARY KEY,
            value INTEGER NOT NULL
        ) STRICT, WITHOUT ROWID;
        INSERT INTO generations (name, value) VALUES ('registry', 0), ('api_keys', 0);

        CREATE TABLE registered_models (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            description TEXT NOT NULL DEFAULT '',
            user_id TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            -- Version numbers are never reused, even after a delete.
            next_version INTEGER NOT NULL DEFAULT 1 CHECK (next_version >= 1)
        ) STRICT;

        CREATE TABLE registered_model_tags (
            model_id INTEGER NOT NULL REFERENCES registered_models(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (model_id, key)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE model_versions (
            id INTEGER PRIMARY KEY,
            model_id INTEGER NOT NULL REFERENCES registered_models(id) ON DELETE CASCADE,
            version INTEGER NOT NULL CHECK (version >= 1),
            sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
            size INTEGER NOT NULL CHECK (size >= 0),
            format TEXT NOT NULL,
            signature TEXT,
            metadata TEXT,
            source_kind TEXT NOT NULL CHECK (source_kind IN ('upload', 'registry', 'mlflow')),
            source TEXT NOT NULL DEFAULT '',
            run_id TEXT,
            run_link TEXT,
            user_id TEXT,
            status TEXT NOT NULL CHECK (status IN ('loading', 'ready', 'failed')),
            status_reason TEXT NOT NULL DEFAULT '',
            stage TEXT NOT NULL DEFAULT 'None' CHECK (stage IN ('None', 'Staging', 'Production', 'Archived')),
            description TEXT NOT NULL DEFAULT '',
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            UNIQUE (model_id, version)
        ) STRICT;
        CREATE INDEX model_versions_sha256 ON model_versions (sha256);
        CREATE INDEX model_versions_status ON model_versions (status);
        CREATE INDEX model_versions_run ON model_versions (run_id) WHERE run_id IS NOT NULL;

        CREATE TABLE model_version_tags (
            version_id INTEGER NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (version_id, key)
        ) STRICT, WITHOUT ROWID;

        -- Deleting a version deletes the aliases that point at it (as MLflow does).
        CREATE TABLE model_aliases (
            model_id INTEGER NOT NULL REFERENCES registered_models(id) ON DELETE CASCADE,
            alias TEXT NOT NULL,
            version_id INTEGER NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (model_id, alias)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX model_aliases_version ON model_aliases (version_id);
        """ + changeTriggers(counter: "registry", tables: [
            "registered_models", "registered_model_tags", "model_versions", "model_version_tags", "model_aliases",
        ])

    static let apiKeySchema = """
        CREATE TABLE api_keys (
            id TEXT NOT NULL PRIMARY KEY,
            name TEXT NOT NULL,
            scope TEXT NOT NULL CHECK (scope IN ('predict', 'admin')),
            secret_hash TEXT NOT NULL UNIQUE CHECK (length(secret_hash) = 64),
            created_at INTEGER NOT NULL,
            revoked_at INTEGER,
            last_used_at INTEGER
        ) STRICT;
        CREATE TRIGGER api_keys_insert AFTER INSERT ON api_keys
            BEGIN UPDATE generations SET value = value + 1 WHERE name = 'api_keys'; END;
        CREATE TRIGGER api_keys_delete AFTER DELETE ON api_keys
            BEGIN UPDATE generations SET value = value + 1 WHERE name = 'api_keys'; END;
        -- Not on last_used_at: recording use must not make every server reload its keys.
        CREATE TRIGGER api_keys_update AFTER UPDATE OF id, name, scope, secret_hash, revoked_at ON api_keys
            BEGIN UPDATE generations SET value = value + 1 WHERE name = 'api_keys'; END;
        """

    static let trackingSchema = """
        CREATE TABLE experiments (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            artifact_location TEXT NOT NULL,
            lifecycle_stage TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        ) STRICT;
        -- MLflow's Default experiment has id 0.
        INSERT INTO experiments (id, name, artifact_location, created_at, updated_at)
            VALUES (0, 'Default', 'mlflow-artifacts:/0',
                    CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER),
                    CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));

        CREATE TABLE experiment_tags (
            experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (experiment_id, key)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE runs (
            run_id TEXT NOT NULL PRIMARY KEY,
            experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
            name TEXT NOT NULL DEFAULT '',
            user_id TEXT,
            status TEXT NOT NULL CHECK (status IN ('RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED')),
            start_time INTEGER,
            end_time INTEGER,
            lifecycle_stage TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
            artifact_uri TEXT NOT NULL
        ) STRICT;
        CREATE INDEX runs_experiment ON runs (experiment_id, start_time);

        CREATE TABLE run_params (
            run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (run_id, key)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE run_tags (
            run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (run_id, key)
        ) STRICT, WITHOUT ROWID;

        -- Every logged value is kept (metric history). SQLite stores NaN as NULL, hence is_nan.
        CREATE TABLE run_metrics (
            seq INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value REAL,
            is_nan INTEGER NOT NULL DEFAULT 0 CHECK (is_nan IN (0, 1)),
            timestamp INTEGER NOT NULL,
            step INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE INDEX run_metrics_key ON run_metrics (run_id, key, step, timestamp);
        """

    static let auditSchema = """
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            actor TEXT,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        ) STRICT;
        """

    /// What the registry-folder watcher saw last time, so that an unchanged file is not
    /// hashed again at every start or poll.
    static let registryFilesSchema = """
        CREATE TABLE registry_files (
            path TEXT NOT NULL PRIMARY KEY,
            size INTEGER NOT NULL CHECK (size >= 0),
            modified_ns INTEGER NOT NULL,
            sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
            seen_at INTEGER NOT NULL
        ) STRICT, WITHOUT ROWID;
        """

    static func changeTriggers(counter: String, tables: [String]) -> String {
        var sql = ""
        for table in tables {
            for event in ["INSERT", "UPDATE", "DELETE"] {
                sql += """

                    CREATE TRIGGER \(table)_\(event.lowercased())_generation AFTER \(event) ON \(table)
                        BEGIN UPDATE generations SET value = value + 1 WHERE name = '\(counter)'; END;
                    """
            }
        }
        return sql
    }
}
