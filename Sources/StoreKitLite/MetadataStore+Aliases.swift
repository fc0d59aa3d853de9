extension MetadataStore {
    // MARK: Aliases

    /// Points `alias` at version `number` of `model`, creating or moving it in one call.
    /// Returns the version it now points to.
    @discardableResult
    public func setAlias(model name: String, alias: String, version number: Int64, actor: String? = nil) throws -> ModelVersion {
        try validateAlias(alias)
        return try pool.write { db in
            let versionID = try versionID(db, name, number)
            let modelID = try modelID(db, name)
            let previous = try db.fetchValue(Int64.self, """
                SELECT v.version FROM model_aliases a JOIN model_versions v ON v.id = a.version_id
                WHERE a.model_id = ? AND a.alias = ?
                """, [modelID, alias])
            let time = now()
            try db.execute("""
                INSERT INTO model_aliases (model_id, alias, version_id, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (model_id, alias) DO UPDATE SET version_id = excluded.version_id, updated_at = excluded.updated_at
                """, [modelID, alias, versionID, time])
            try db.execute("UPDATE registered_models SET updated_at = ? WHERE id = ?", [time, modelID])
            try audit(db, actor: actor, action: "alias.set", target: "\(name)@\(alias)",
                      detail: previous.map { "\($0) -> \(number)" } ?? "-> \(number)")
            return try loadVersion(db, id: versionID)
        }
    }

    /// Removes an alias. Throws `.notFound` when it is not set.
    public func deleteAlias(model name: String, alias: String, actor: String? = nil) throws {
        try pool.write { db in
            let modelID = try modelID(db, name)
            try db.execute("DELETE FROM model_aliases WHERE model_id = ? AND alias = ?", [modelID, alias])
            guard db.changesCount > 0 else {
                throw StoreError(.notFound, "alias '\(MetadataStore.printable(alias))' of model '\(name)' not found")
            }
            try db.execute("UPDATE registered_models SET updated_at = ? WHERE id = ?", [now(), modelID])
            try audit(db, actor: actor, action: "alias.delete", target: "\(name)@\(alias)")
        }
    }

    /// The version an alias points to. Throws `.notFound`.
    public func version(model name: String, alias: String) throws -> ModelVersion {
        try resolve(model: name, .alias(alias))
    }

    // MARK: Resolution

    /// Resolves a model name and selector to a version (PROTOCOLS.md §5): `.default` is the
    /// `production` alias when set, else the highest ready version; `.latest` the highest
    /// ready version; `.alias` and `.version` what they name. Throws `.notFound` naming what
    /// is missing. The version returned may not be ready (an alias or pin can point at a
    /// loading or failed version): the caller checks `status`.
    public func resolve(model name: String, _ selector: VersionSelector = .default) throws -> ModelVersion {
        try pool.read { db in
            let modelID = try modelID(db, name)
            let numbers = try db.fetchAll("SELECT version, status = 'ready' FROM model_versions WHERE model_id = ?", [modelID]) { row in
                (number: try row.int64(0), isReady: try row.int64(1) == 1)
            }
            let aliasRows = try db.fetchAll("""
                SELECT a.alias, v.version FROM model_aliases a JOIN model_versions v ON v.id = a.version_id WHERE a.model_id = ?
                """, [modelID]) { row in (try row.string(0), try row.int64(1)) }
            let aliases = Dictionary(aliasRows, uniquingKeysWith: { a, _ in a })
            guard let number = selector.resolve(versions: numbers, aliases: aliases) else {
                throw StoreError(.notFound, MetadataStore.unresolved(name, selector))
            }
            return try loadVersion(db, id: try versionID(db, name, number))
        }
    }

    static func unresolved(_ name: String, _ selector: VersionSelector) -> String {
        let model = printable(name)
        switch selector {
        case .default, .latest: return "model '\(model)' has no ready version"
        case .version(let n): return "version \(n) of model '\(model)' not found"
        case .alias(let alias): return "alias '\(printable(alias))' of model '\(model)' not found"
        }
    }

    /// Every model with its versions, aliases and tags, read in one transaction, with the
    /// registry generation it reflects. Built with a fixed number of queries whatever the
    /// registry's size, for the serving snapshot.
    public func registrySnapshot() throws -> RegistrySnapshot {
        try pool.read { db in
            let generation = try db.fetchValue(Int64.self, "SELECT value FROM generations WHERE name = 'registry'") ?? 0
            var models: [Int64: RegisteredModel] = [:]
            try db.cachedStatement("SELECT id, name, description, user_id, created_at, updated_at FROM registered_models")
                .forEachRow { row in
                    let model = RegisteredModel(
                        id: try row.int64(0), name: try row.string(1), description: try row.string(2),
                        userID: try row.optionalString(3), createdAt: try row.int64(4), updatedAt: try row.int64(5),
                        tags: [:], aliases: [:])
                    models[model.id] = model
                }
            let modelTags = try db.fetchAll("SELECT model_id, key, value FROM registered_model_tags") { row in
                (try row.int64(0), try row.string(1), try row.string(2))
            }
            for (id, key, value) in modelTags { models[id]?.tags[key] = value }
            var versions = try db.fetchAll(MetadataStore.versionSelect + " ORDER BY v.model_id, v.version", [], MetadataStore.decodeVersion)
            var index: [Int64: Int] = [:]
            for (position, version) in versions.enumerated() { index[version.id] = position }
            let versionTags = try db.fetchAll("SELECT version_id, key, value FROM model_version_tags") { row in
                (try row.int64(0), try row.string(1), try row.string(2))
            }
            for (id, key, value) in versionTags {
                if let position = index[id] { versions[position].tags[key] = value }
            }
            let aliases = try db.fetchAll("""
                SELECT a.model_id, a.alias, a.version_id, v.version FROM model_aliases a
                JOIN model_versions v ON v.id = a.version_id ORDER BY a.alias
                """) { row in (try row.int64(0), try row.string(1), try row.int64(2), try row.int64(3)) }
            for (modelID, alias, versionID, number) in aliases {
                models[modelID]?.aliases[alias] = number
                if let position = index[versionID] { versions[position].aliases.append(alias) }
            }
            var entries: [String: RegistryEntry] = [:]
            var modelOfVersion: [String: [ModelVersion]] = [:]
            for version in versions { modelOfVersion[version.modelName, default: []].append(version) }
            for model in models.values {
                entries[model.name] = RegistryEntry(model: model, versions: modelOfVersion[model.name] ?? [])
            }
            return RegistrySnapshot(generation: generation, models: entries)
        }
    }
}
