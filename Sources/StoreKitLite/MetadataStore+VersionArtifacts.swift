extension ModelVersion {
    /// The `format` of a version recorded without a model file of its own: an MLflow
    /// version whose source is still being imported, or could not be imported (its status
    /// says which, its status reason why). Its artifact is the empty blob. Such a version is
    /// a record only: the serving registry never loads it.
    public static let recordOnlyFormat = "none"

    /// Whether this version is a record without a model file (`recordOnlyFormat`).
    public var isRecordOnly: Bool { format == ModelVersion.recordOnlyFormat }
}

extension MetadataStore {
    // MARK: Replacing a version's artifact

    /// Longest status reason these calls store; longer ones are cut (a load error can quote a
    /// whole operator list).
    public static let maximumStatusReasonBytes = 4096

    /// Points an existing version at a new artifact, with its signature, metadata and status
    /// (and, when given, a new format), in one transaction; its number, aliases, tags, stage
    /// and description stay. Returns the updated version. Throws `.notFound` when the version
    /// is gone.
    ///
    /// Why not `createVersion`: version numbers are otherwise never reused, but a registry
    /// folder's `models/3` stays version 3 when its file changes, and an MLflow version keeps
    /// the number its `create` answered once its source has been imported. The triggers of
    /// `model_versions` bump the registry change counter, so every server notices.
    @discardableResult
    public func replaceArtifact(
        model name: String, number: Int64, artifact: StoredArtifact, source: VersionSource,
        signature: String?, metadata: String?, status: VersionStatus, reason: String, format: String? = nil,
        actor: String? = nil
    ) throws -> ModelVersion {
        try validateText(source.location, what: "source")
        if let format {
            guard !format.isEmpty, format.utf8.count <= 32 else {
                throw StoreError(.invalidArgument, "format must be 1 to 32 characters")
            }
        }
        let reason = MetadataStore.statusReason(reason)
        return try pool.write { db in
            try validateJSON(signature, what: "signature", in: db)
            try validateJSON(metadata, what: "metadata", in: db)
            let id = try versionID(db, name, number)
            try db.execute("""
                UPDATE model_versions SET sha256 = ?, size = ?, format = coalesce(?, format), source_kind = ?, source = ?,
                    signature = ?, metadata = ?, status = ?, status_reason = ?, updated_at = ?
                WHERE id = ?
                """, [artifact.digest.hex, artifact.size, format, source.kind.rawValue, source.location, signature, metadata,
                      status.rawValue, reason, now(), id])
            try audit(db, actor: actor, action: "version.replace", target: "\(name)/\(number)",
                      detail: "sha256:\(artifact.digest.hex) \(source.kind.rawValue)")
            return try loadVersion(db, id: id)
        }
    }

    // MARK: Load outcomes

    /// Records the outcome of loading a version — status, reason and, when given, the
    /// signature found — only while the row still holds the artifact `sha256` that was
    /// loaded (a concurrent replacement is never overwritten) and only when something
    /// changes (no write, no change-counter bump, for a load that confirms the row).
    /// Returns whether a row was updated.
    @discardableResult
    public func recordLoadOutcome(
        model name: String, number: Int64, sha256: SHA256Digest, signature: String?, status: VersionStatus, reason: String
    ) throws -> Bool {
        let reason = MetadataStore.statusReason(reason)
        return try pool.write { db in
            try validateJSON(signature, what: "signature", in: db)
            try db.execute("""
                UPDATE model_versions SET status = ?, status_reason = ?, signature = coalesce(?, signature), updated_at = ?
                WHERE version = ? AND sha256 = ? AND model_id = (SELECT id FROM registered_models WHERE name = ?)
                    AND (status != ? OR status_reason != ? OR signature IS NOT coalesce(?, signature))
                """, [status.rawValue, reason, signature, now(), number, sha256.hex, name,
                      status.rawValue, reason, signature])
            return db.changesCount == 1
        }
    }

    /// A status reason cut to `maximumStatusReasonBytes` at a character boundary.
    static func statusReason(_ reason: String) -> String {
        guard reason.utf8.count > maximumStatusReasonBytes else { return reason }
        var out = ""
        var bytes = 0
        for character in reason {
            let size = character.utf8.count
            guard bytes + size <= maximumStatusReasonBytes else { break }
            out.append(character)
            bytes += size
        }
        return out
    }
}
