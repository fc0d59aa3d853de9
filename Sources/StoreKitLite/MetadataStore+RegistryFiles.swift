/// What the registry-folder watcher knows about one file: when size and modification time
/// are unchanged, the recorded digest is reused instead of hashing the file again.
public struct RegistryFileRecord: Sendable, Hashable {
    /// The file path as the watcher names it.
    public var path: String
    /// Size in bytes when hashed.
    public var size: Int64
    /// Modification time in nanoseconds since the epoch when hashed.
    public var modifiedNanoseconds: Int64
    /// The content digest.
    public var sha256: SHA256Digest
    /// When last seen, ms since the epoch.
    public var seenAt: Int64

    /// Creates a record.
    public init(path: String, size: Int64, modifiedNanoseconds: Int64, sha256: SHA256Digest, seenAt: Int64 = 0) {
        self.path = path
        self.size = size
        self.modifiedNanoseconds = modifiedNanoseconds
        self.sha256 = sha256
        self.seenAt = seenAt
    }
}

extension MetadataStore {
    /// The record for a registry file, if one was stored.
    public func registryFile(path: String) throws -> RegistryFileRecord? {
        try pool.read { db in
            try db.fetchOne(MetadataStore.registryFileSelect + " WHERE path = ?", [path], MetadataStore.decodeRegistryFile)
        }
    }

    /// Every registry file record, by path.
    public func registryFiles() throws -> [RegistryFileRecord] {
        try pool.read { db in
            try db.fetchAll(MetadataStore.registryFileSelect + " ORDER BY path", [], MetadataStore.decodeRegistryFile)
        }
    }

    /// Stores (or replaces) records in one transaction; `seenAt` is set to now.
    public func recordRegistryFiles(_ records: [RegistryFileRecord]) throws {
        for record in records {
            try validateText(record.path, what: "registry file path", maximum: 4096)
        }
        try pool.write { db in
            let time = now()
            for record in records {
                try db.execute("""
                    INSERT INTO registry_files (path, size, modified_ns, sha256, seen_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (path) DO UPDATE SET size = excluded.size, modified_ns = excluded.modified_ns,
                        sha256 = excluded.sha256, seen_at = excluded.seen_at
                    """, [record.path, record.size, record.modifiedNanoseconds, record.sha256.hex, time])
            }
        }
    }

    /// Forgets records (files that disappeared).
    public func forgetRegistryFiles(paths: [String]) throws {
        try pool.write { db in
            for path in paths { try db.execute("DELETE FROM registry_files WHERE path = ?", [path]) }
        }
    }

    static let registryFileSelect = "SELECT path, size, modified_ns, sha256, seen_at FROM registry_files"

    static func decodeRegistryFile(_ row: Row) throws -> RegistryFileRecord {
        RegistryFileRecord(path: try row.string(0), size: try row.int64(1), modifiedNanoseconds: try row.int64(2),
                           sha256: try digest(try row.string(3)), seenAt: try row.int64(4))
    }
}
