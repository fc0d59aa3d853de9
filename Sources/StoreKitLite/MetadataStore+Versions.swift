extension MetadataStore {
    // MARK: Creating versions

    /// Records a new version of `model` for a durable artifact, in one transaction.
    ///
    /// The number is the model's next one (never reused after a delete) unless
    /// `new.number` pins one, which must be free. With `createModelIfMissing`, an unknown
    /// model is created in the same transaction. The order "artifact durable, then this call"
    /// is forced by the types: `StoredArtifact` comes only from the `ArtifactStore`.
    @discardableResult
    public func createVersion(
        model name: String, _ new: NewModelVersion, createModelIfMissing: Bool = true, actor: String? = nil
    ) throws -> ModelVersion {
        try validateModelName(name)
        guard !new.format.isEmpty, new.format.utf8.count <= 32 else {
            throw StoreError(.invalidArgument, "format must be 1 to 32 characters")
        }
        try validateText(new.source.location, what: "source")
        try validateText(new.description, what: "description")
        try validateText(new.runLink, what: "run link")
        try validateText(new.userID, what: "user id", maximum: limits.maximumNameBytes)
        if let runID = new.runID { try validateRunID(runID) }
        try validateTags(new.tags, what: "tag")
        if let number = new.number, number < 1 {
            throw StoreError(.invalidArgument, "version number must be at least 1, not \(number)")
        }
        return try pool.write { db in
            try validateJSON(new.signature, what: "signature", in: db)
            try validateJSON(new.metadata, what: "metadata", in: db)
            let modelID: Int64
            if let existing = try db.fetchValue(Int64.self, "SELECT id FROM registered_models WHERE name = ?", [name]) {
                modelID = existing
            } else if createModelIfMissing {
                modelID = try insertModel(db, name: name, description: "", userID: new.userID)
                try audit(db, actor: actor, action: "model.create", target: name)
            } else {
                throw StoreError(.notFound, "registered model '\(name)' not found")
            }
            let next = try db.fetchValue(Int64.self, "SELECT next_version FROM registered_models WHERE id = ?", [modelID]) ?? 1
            let number = new.number ?? next
            guard number < Int64.max else { throw StoreError(.invalidArgument, "version number out of range") }
            let time = now()
            do {
                try db.execute("""
                    INSERT INTO model_versions (model_id, version, sha256, size, format, signature, metadata,
                        source_kind, source, run_id, run_link, user_id, status, status_reason, stage, description,
                        created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 'None', ?, ?, ?)
                    """, [modelID, number, new.artifact.digest.hex, new.artifact.size, new.format, new.signature,
                          new.metadata, new.source.kind.rawValue, new.source.location, new.runID, new.runLink,
                          new.userID, new.status.rawValue, new.description, time, time])
            } catch {
                throw MetadataStore.translate(error, alreadyExists: "version \(number) of model '\(name)' already exists")
            }
            let versionID = db.lastInsertedRowID
            try db.execute("UPDATE registered_models SET next_version = max(next_version, ?), updated_at = ? WHERE id = ?",
                           [number + 1, time, modelID])
            for (key, value) in new.tags {
                try db.execute("INSERT INTO model_version_tags (version_id, key, value) VALUES (?, ?, ?)", [versionID, key, value])
            }
            try audit(db, actor: actor, action: "version.create", target: "\(name)/\(number)",
                      detail: "sha256:\(new.artifact.digest.hex) \(new.source.kind.rawValue)")
            return try loadVersion(db, id: versionID)
        }
    }

    // MARK: Reading versions

    /// Version `number` of `model`. Throws `.notFound`.
    public func version(model name: String, number: Int64) throws -> ModelVersion {
        try pool.read { db in try loadVersion(db, id: try versionID(db, name, number)) }
    }

    /// Every version of `model`, by ascending number. Throws `.notFound` for an unknown model.
    public func versions(of name: String) throws -> [ModelVersion] {
        try pool.read { db in
            let id = try modelID(db, name)
            return try loadVersions(db, where: "v.model_id = ? ORDER BY v.version", [id])
        }
    }

    /// Versions matching every given filter (MLflow `search-model-versions`), ordered by model
    /// name then descending version.
    public func searchVersions(
        model name: String? = nil, runID: String? = nil, sha256: SHA256Digest? = nil, limit: Int = 100, offset: Int = 0
    ) throws -> [ModelVersion] {
        let (limit, offset) = page(limit, offset)
        return try pool.read { db in
            try loadVersions(db, where: """
                (?1 IS NULL OR m.name = ?1) AND (?2 IS NULL OR v.run_id = ?2) AND (?3 IS NULL OR v.sha256 = ?3)
                ORDER BY m.name, v.version DESC LIMIT ?4 OFFSET ?5
                """, [name, runID, sha256?.hex, limit, offset])
        }
    }

    /// Versions in a status, oldest first. After a crash, `.loading` lists the versions
    /// whose load never finished: reload them or mark them failed.
    public func versions(withStatus status: VersionStatus) throws -> [ModelVersion] {
        try pool.read { db in
            try loadVersions(db, where: "v.status = ? ORDER BY v.id", [status.rawValue])
        }
    }

    /// For each stage (all stages when empty), the highest version in it (MLflow
    /// `get-latest-versions`), ordered by version.
    public func latestVersions(model name: String, stages: [VersionStage] = []) throws -> [ModelVersion] {
        let wanted = stages.isEmpty ? VersionStage.allCases : stages
        return try pool.read { db in
            let id = try modelID(db, name)
            var result: [ModelVersion] = []
            for stage in Set(wanted) {
                result += try loadVersions(db, where: "v.model_id = ? AND v.stage = ? ORDER BY v.version DESC LIMIT 1",
                                           [id, stage.rawValue])
            }
            return result.sorted { $0.version < $1.version }
        }
    }

    /// Every digest some version references (hex), for `ArtifactStore.cleanOrphans`.
    public func referencedDigests() throws -> Set<String> {
        try pool.read { db in
            Set(try db.fetchAll("SELECT DISTINCT sha256 FROM model_versions") { try $0.string(0) })
        }
    }

    // MARK: Changing versions

    /// Updates a version's description.
    @discardableResult
    public func updateVersion(model name: String, number: Int64, description: String) throws -> ModelVersion {
        try validateText(description, what: "description")
        return try pool.write { db in
            let id = try versionID(db, name, number)
            try db.execute("UPDATE model_versions SET description = ?, updated_at = ? WHERE id = ?", [description, now(), id])
            return try loadVersion(db, id: id)
        }
    }

    /// Sets a version's status (the server after a load: `.ready`, or `.failed` with why).
    @discardableResult
    public func setVersionStatus(
        model name: String, number: Int64, status: VersionStatus, reason: String = "", actor: String? = nil
    ) throws -> ModelVersion {
        try validateText(reason, what: "status reason")
        return try pool.write { db in
            let id = try versionID(db, name, number)
            try db.execute("UPDATE model_versions SET status = ?, status_reason = ?, updated_at = ? WHERE id = ?",
                           [status.rawValue, reason, now(), id])
            try audit(db, actor: actor, action: "version.status", target: "\(name)/\(number)",
                      detail: reason.isEmpty ? status.rawValue : "\(status.rawValue): \(String(reason.prefix(200)))")
            return try loadVersion(db, id: id)
        }
    }

    /// Moves a version to an MLflow stage; with `archiveExistingVersions`, the other versions
    /// in that stage (Staging or Production) move to Archived, as MLflow does.
    @discardableResult
    public func transitionStage(
        model name: String, number: Int64, to stage: VersionStage, archiveExistingVersions: Bool = false, actor: String? = nil
    ) throws -> ModelVersion {
        try pool.write { db in
            let id = try versionID(db, name, number)
            let time = now()
            if archiveExistingVersions && (stage == .staging || stage == .production) {
                try db.execute("""
                    UPDATE model_versions SET stage = 'Archived', updated_at = ?
                    WHERE model_id = (SELECT model_id FROM model_versions WHERE id = ?) AND stage = ? AND id != ?
                    """, [time, id, stage.rawValue, id])
            }
            try db.execute("UPDATE model_versions SET stage = ?, updated_at = ? WHERE id = ?", [stage.rawValue, time, id])
            try audit(db, actor: actor, action: "version.stage", target: "\(name)/\(number)", detail: stage.rawValue)
            return try loadVersion(db, id: id)
        }
    }

    /// Deletes a version with its tags and the aliases pointing at it. Its number is not
    /// reused. Returns its digest (the artifact may now be an orphan).
    @discardableResult
    public func deleteVersion(model name: String, number: Int64, actor: String? = nil) throws -> SHA256Digest {
        try pool.write { db in
            let id = try versionID(db, name, number)
            let hex = try db.fetchValue(String.self, "SELECT sha256 FROM model_versions WHERE id = ?", [id]) ?? ""
            try db.execute("DELETE FROM model_versions WHERE id = ?", [id])
            try db.execute("UPDATE registered_models SET updated_at = ? WHERE name = ?", [now(), name])
            try audit(db, actor: actor, action: "version.delete", target: "\(name)/\(number)")
            return try MetadataStore.digest(hex)
        }
    }

    /// Sets (or replaces) a version tag.
    public func setVersionTag(model name: String, number: Int64, key: String, value: String) throws {
        try validateKey(key, what: "tag")
        try validateText(value, what: "tag '\(key)'", maximum: limits.maximumTagValueBytes)
        try pool.write { db in
            let id = try versionID(db, name, number)
            try db.execute("""
                INSERT INTO model_version_tags (version_id, key, value) VALUES (?, ?, ?)
                ON CONFLICT (version_id, key) DO UPDATE SET value = excluded.value
                """, [id, key, value])
        }
    }

    /// Deletes a version tag. Throws `.notFound` when absent.
    public func deleteVersionTag(model name: String, number: Int64, key: String) throws {
        try pool.write { db in
            let id = try versionID(db, name, number)
            try db.execute("DELETE FROM model_version_tags WHERE version_id = ? AND key = ?", [id, key])
            guard db.changesCount > 0 else {
                throw StoreError(.notFound, "tag '\(MetadataStore.printable(key))' of version \(number) of model '\(name)' not found")
            }
        }
    }

    // MARK: Helpers

    func versionID(_ db: Database, _ name: String, _ number: Int64) throws -> Int64 {
        let model = try modelID(db, name)
        guard let id = try db.fetchValue(Int64.self, "SELECT id FROM model_versions WHERE model_id = ? AND version = ?", [model, number]) else {
            throw StoreError(.notFound, "version \(number) of model '\(MetadataStore.printable(name))' not found")
        }
        return id
    }

    static let versionSelect = """
        SELECT v.id, m.name, v.version, v.sha256, v.size, v.format, v.signature, v.metadata, v.source_kind, v.source,
               v.run_id, v.run_link, v.user_id, v.status, v.status_reason, v.stage, v.description, v.created_at, v.updated_at
        FROM model_versions v JOIN registered_models m ON m.id = v.model_id
        """

    func loadVersion(_ db: Database, id: Int64) throws -> ModelVersion {
        guard let version = try loadVersions(db, where: "v.id = ?", [id]).first else {
            throw StoreError(.notFound, "model version \(id) not found")
        }
        return version
    }

    /// Loads versions with their tags and aliases; `clause` follows WHERE.
    func loadVersions(_ db: Database, where clause: String, _ arguments: StatementArguments, withTags: Bool = true) throws -> [ModelVersion] {
        var versions = try db.fetchAll(MetadataStore.versionSelect + " WHERE " + clause, arguments, MetadataStore.decodeVersion)
        guard withTags else { return versions }
        for index in versions.indices {
            let id = versions[index].id
            let tags = try db.fetchAll("SELECT key, value FROM model_version_tags WHERE version_id = ?", [id]) { row in
                (try row.string(0), try row.string(1))
            }
            versions[index].tags = Dictionary(tags, uniquingKeysWith: { a, _ in a })
            versions[index].aliases = try db.fetchAll("SELECT alias FROM model_aliases WHERE version_id = ? ORDER BY alias", [id]) {
                try $0.string(0)
            }
        }
        return versions
    }

    static func decodeVersion(_ row: Row) throws -> ModelVersion {
        let kindText = try row.string(8), statusText = try row.string(13), stageText = try row.string(15)
        guard let kind = VersionSource.Kind(rawValue: kindText), let status = VersionStatus(rawValue: statusText),
              let stage = VersionStage(rawValue: stageText)
        else {
            throw StoreError(.corrupt, "model version row has an unknown source kind, status or stage")
        }
        return ModelVersion(
            id: try row.int64(0), modelName: try row.string(1), version: try row.int64(2),
            sha256: try digest(try row.string(3)), size: try row.int64(4), format: try row.string(5),
            signature: try row.optionalString(6), metadata: try row.optionalString(7),
            source: VersionSource(kind: kind, location: try row.string(9)),
            runID: try row.optionalString(10), runLink: try row.optionalString(11), userID: try row.optionalString(12),
            status: status, statusReason: try row.string(14), stage: stage, description: try row.string(16),
            createdAt: try row.int64(17), updatedAt: try row.int64(18), tags: [:], aliases: [])
    }
}
