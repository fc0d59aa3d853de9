import StoreKitLite

extension MetadataStore {
    /// Points an existing version at a new artifact (a registry folder's file changed under
    /// the same version number), with its signature, metadata and status, in one
    /// transaction; aliases pointing at the version stay. Returns the updated version.
    ///
    /// Why here and not through `createVersion`: a folder version keeps its number
    /// (`models/3` is version 3) and its aliases when its file changes, while version numbers
    /// are otherwise never reused. The statement touches only `model_versions` columns whose
    /// meaning the store defines; its triggers bump the registry change counter.
    @discardableResult
    func replaceArtifact(
        model name: String, number: Int64, artifact: StoredArtifact, source: VersionSource,
        signature: String?, metadata: String?, status: StoredVersionStatus, reason: String
    ) throws -> ModelVersion {
        let time = MetadataStore.systemClock()
        try pool.write { db in
            try db.execute("""
                UPDATE model_versions SET sha256 = ?, size = ?, source_kind = ?, source = ?, signature = ?, metadata = ?,
                    status = ?, status_reason = ?, updated_at = ?
                WHERE version = ? AND model_id = (SELECT id FROM registered_models WHERE name = ?)
                """, [artifact.digest.hex, artifact.size, source.kind.rawValue, source.location, signature, metadata,
                      status.rawValue, String(reason.prefix(4096)), time, number, name])
            guard db.changesCount == 1 else {
                throw StoreError(.notFound, "version \(number) of model '\(name)' not found")
            }
        }
        try appendAudit(actor: nil, action: "version.replace", target: "\(name)/\(number)",
                        detail: "sha256:\(artifact.digest.hex) registry")
        return try version(model: name, number: number)
    }

    /// Records the outcome of loading a version in this process — status, reason and the
    /// signature found — when the row still holds the artifact that was loaded (a concurrent
    /// replacement is never overwritten). Returns whether a row was updated.
    @discardableResult
    func recordLoadOutcome(
        model name: String, number: Int64, sha256: SHA256Digest, signature: String?, status: StoredVersionStatus, reason: String
    ) throws -> Bool {
        try pool.write { db in
            try db.execute("""
                UPDATE model_versions SET status = ?, status_reason = ?, signature = coalesce(?, signature), updated_at = ?
                WHERE version = ? AND sha256 = ? AND model_id = (SELECT id FROM registered_models WHERE name = ?)
                    AND (status != ? OR status_reason != ? OR signature IS NOT ?)
                """, [status.rawValue, String(reason.prefix(4096)), signature, MetadataStore.systemClock(), number, sha256.hex, name,
                      status.rawValue, String(reason.prefix(4096)), signature])
            return db.changesCount == 1
        }
    }
}
