extension MetadataStore {
    // MARK: Registered models

    /// Creates a model. Throws `.alreadyExists` when the name is taken.
    public func createModel(
        name: String, description: String = "", tags: [String: String] = [:], userID: String? = nil, actor: String? = nil
    ) throws -> RegisteredModel {
        try validateModelName(name)
        try validateText(description, what: "description")
        try validateText(userID, what: "user id", maximum: limits.maximumNameBytes)
        try validateTags(tags, what: "tag")
        return try pool.write { db in
            let id = try insertModel(db, name: name, description: description, userID: userID)
            for (key, value) in tags {
                try db.execute("INSERT INTO registered_model_tags (model_id, key, value) VALUES (?, ?, ?)", [id, key, value])
            }
            try audit(db, actor: actor, action: "model.create", target: name)
            return try loadModel(db, id: id)
        }
    }

    func insertModel(_ db: Database, name: String, description: String, userID: String?) throws -> Int64 {
        let time = now()
        do {
            try db.execute("""
                INSERT INTO registered_models (name, description, user_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                """, [name, description, userID, time, time])
        } catch {
            throw MetadataStore.translate(error, alreadyExists: "registered model '\(name)' already exists")
        }
        return db.lastInsertedRowID
    }

    /// The model named `name`. Throws `.notFound`.
    public func model(named name: String) throws -> RegisteredModel {
        try pool.read { db in try loadModel(db, id: try modelID(db, name)) }
    }

    /// Models ordered by name; `nameLike` is a SQL LIKE pattern (`%` and `_` wildcards,
    /// case-insensitive for ASCII), e.g. what MLflow's `name LIKE '...'` filter carries.
    public func models(nameLike: String? = nil, limit: Int = 100, offset: Int = 0) throws -> [RegisteredModel] {
        let (limit, offset) = page(limit, offset)
        return try pool.read { db in
            let ids = try db.fetchAll("""
                SELECT id FROM registered_models WHERE (?1 IS NULL OR name LIKE ?1) ORDER BY name LIMIT ?2 OFFSET ?3
                """, [nameLike, limit, offset]) { try $0.int64(0) }
            return try ids.map { try loadModel(db, id: $0) }
        }
    }

    /// Updates a model's description.
    public func updateModel(named name: String, description: String) throws -> RegisteredModel {
        try validateText(description, what: "description")
        return try pool.write { db in
            let id = try modelID(db, name)
            try db.execute("UPDATE registered_models SET description = ?, updated_at = ? WHERE id = ?", [description, now(), id])
            return try loadModel(db, id: id)
        }
    }

    /// Renames a model; its versions and aliases follow. Throws `.alreadyExists` when the new
    /// name is taken.
    public func renameModel(_ name: String, to newName: String, actor: String? = nil) throws -> RegisteredModel {
        try validateModelName(newName)
        return try pool.write { db in
            let id = try modelID(db, name)
            do {
                try db.execute("UPDATE registered_models SET name = ?, updated_at = ? WHERE id = ?", [newName, now(), id])
            } catch {
                throw MetadataStore.translate(error, alreadyExists: "registered model '\(newName)' already exists")
            }
            try audit(db, actor: actor, action: "model.rename", target: name, detail: newName)
            return try loadModel(db, id: id)
        }
    }

    /// Deletes a model with its versions, aliases and tags. Returns the digests its versions
    /// used (the artifacts may now be orphans; `cleanOrphans` decides).
    @discardableResult
    public func deleteModel(named name: String, actor: String? = nil) throws -> [SHA256Digest] {
        try pool.write { db in
            let id = try modelID(db, name)
            let digests = try db.fetchAll("SELECT DISTINCT sha256 FROM model_versions WHERE model_id = ?", [id]) { row in
                try MetadataStore.digest(try row.string(0))
            }
            try db.execute("DELETE FROM registered_models WHERE id = ?", [id])
            try audit(db, actor: actor, action: "model.delete", target: name)
            return digests
        }
    }

    /// Sets (or replaces) a model tag.
    public func setModelTag(model name: String, key: String, value: String) throws {
        try validateKey(key, what: "tag")
        try validateText(value, what: "tag '\(key)'", maximum: limits.maximumTagValueBytes)
        try pool.write { db in
            let id = try modelID(db, name)
            try db.execute("""
                INSERT INTO registered_model_tags (model_id, key, value) VALUES (?, ?, ?)
                ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value
                """, [id, key, value])
            try db.execute("UPDATE registered_models SET updated_at = ? WHERE id = ?", [now(), id])
        }
    }

    /// Deletes a model tag. Throws `.notFound` when absent.
    public func deleteModelTag(model name: String, key: String) throws {
        try pool.write { db in
            let id = try modelID(db, name)
            try db.execute("DELETE FROM registered_model_tags WHERE model_id = ? AND key = ?", [id, key])
            guard db.changesCount > 0 else {
                throw StoreError(.notFound, "tag '\(MetadataStore.printable(key))' of model '\(name)' not found")
            }
        }
    }

    // MARK: Helpers

    func modelID(_ db: Database, _ name: String) throws -> Int64 {
        guard let id = try db.fetchValue(Int64.self, "SELECT id FROM registered_models WHERE name = ?", [name]) else {
            throw StoreError(.notFound, "registered model '\(MetadataStore.printable(name))' not found")
        }
        return id
    }

    func loadModel(_ db: Database, id: Int64) throws -> RegisteredModel {
        let found = try db.fetchOne("""
            SELECT id, name, description, user_id, created_at, updated_at FROM registered_models WHERE id = ?
            """, [id]) { row in
            RegisteredModel(id: try row.int64(0), name: try row.string(1), description: try row.string(2),
                            userID: try row.optionalString(3), createdAt: try row.int64(4), updatedAt: try row.int64(5),
                            tags: [:], aliases: [:])
        }
        guard var model = found else {
            throw StoreError(.notFound, "registered model \(id) not found")
        }
        let tags = try db.fetchAll("SELECT key, value FROM registered_model_tags WHERE model_id = ?", [id]) { row in
            (try row.string(0), try row.string(1))
        }
        model.tags = Dictionary(tags, uniquingKeysWith: { a, _ in a })
        let aliases = try db.fetchAll("""
            SELECT a.alias, v.version FROM model_aliases a JOIN model_versions v ON v.id = a.version_id WHERE a.model_id = ?
            """, [id]) { row in
            (try row.string(0), try row.int64(1))
        }
        model.aliases = Dictionary(aliases, uniquingKeysWith: { a, _ in a })
        return model
    }

    func page(_ limit: Int, _ offset: Int) -> (Int64, Int64) {
        (Int64(max(0, min(limit, 100_000))), Int64(max(0, offset)))
    }

    /// Turns a UNIQUE violation into `.alreadyExists`; other errors pass through.
    static func translate(_ error: any Error, alreadyExists message: String) -> any Error {
        if let database = error as? DatabaseError, database.isUniqueViolation {
            return StoreError(.alreadyExists, message)
        }
        return error
    }

    static func digest(_ hex: String) throws -> SHA256Digest {
        guard let digest = SHA256Digest(hex: hex) else {
            throw StoreError(.corrupt, "stored sha256 '\(printable(hex))' is not a digest")
        }
        return digest
    }
}
