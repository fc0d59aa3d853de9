extension MetadataStore {
    /// The prefix of every generated secret.
    public static let apiKeyPrefix = "mk_"

    /// Creates a key with a fresh secret: `mk_<12-hex id>_<64 hex>` (256 random bits from the
    /// system generator). Only its SHA-256 is stored; the secret is returned once.
    public func createAPIKey(name: String, scope: APIKeyScope, actor: String? = nil) throws -> CreatedAPIKey {
        try validateKeyName(name)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<4 {
            let id = MetadataStore.randomHex(bytes: 6, using: &generator)
            let secret = MetadataStore.apiKeyPrefix + id + "_" + MetadataStore.randomHex(bytes: 32, using: &generator)
            do {
                let key = try insertKey(id: id, name: name, scope: scope, secret: secret, actor: actor)
                return CreatedAPIKey(key: key, secret: secret)
            } catch let error as StoreError where error.code == .alreadyExists {
                continue  // a 48-bit id collided: draw again
            }
        }
        throw StoreError(.alreadyExists, "could not draw a free key id")
    }

    /// Stores a key whose secret the operator chose (`MONOLITH_ADMIN_KEY`). Idempotent: when
    /// a key with this secret exists it is returned as is (even if revoked: a revoked
    /// bootstrap secret stays revoked). The id is derived from the secret's hash.
    public func ensureAPIKey(secret: String, name: String, scope: APIKeyScope, actor: String? = nil) throws -> APIKey {
        try validateKeyName(name)
        guard secret.utf8.count >= 16, secret.utf8.count <= 512 else {
            throw StoreError(.invalidArgument, "an API key secret must be 16 to 512 bytes")
        }
        let hash = SHA256.hash(Array(secret.utf8))
        if let existing = try apiKey(secretHash: hash) { return existing }
        let id = "env" + String(hash.hex.prefix(9))
        do {
            return try insertKey(id: id, name: name, scope: scope, secret: secret, actor: actor)
        } catch let error as StoreError where error.code == .alreadyExists {
            // Another process inserted it meanwhile.
            if let existing = try apiKey(secretHash: hash) { return existing }
            throw error
        }
    }

    private func insertKey(id: String, name: String, scope: APIKeyScope, secret: String, actor: String?) throws -> APIKey {
        let hash = SHA256.hash(Array(secret.utf8))
        return try pool.write { db in
            do {
                try db.execute("""
                    INSERT INTO api_keys (id, name, scope, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)
                    """, [id, name, scope.rawValue, hash.hex, now()])
            } catch {
                throw MetadataStore.translate(error, alreadyExists: "API key '\(id)' already exists")
            }
            try audit(db, actor: actor, action: "key.create", target: id, detail: "\(scope.rawValue) \(name)")
            return try loadKey(db, id: id)
        }
    }

    /// The active key whose secret this is, or nil (unknown or revoked). The secret is hashed
    /// and looked up by hash; the comparison of the stored hash is constant-time.
    public func authenticateAPIKey(secret: String) throws -> APIKey? {
        guard secret.utf8.count <= 512 else { return nil }
        let hash = SHA256.hash(Array(secret.utf8))
        guard let key = try apiKey(secretHash: hash), key.secretHash.constantTimeEquals(hash), key.isActive else { return nil }
        return key
    }

    /// The key with this secret hash, active or not.
    public func apiKey(secretHash: SHA256Digest) throws -> APIKey? {
        try pool.read { db in
            try db.fetchOne(MetadataStore.keySelect + " WHERE secret_hash = ?", [secretHash.hex], MetadataStore.decodeKey)
        }
    }

    /// The key with this public id. Throws `.notFound`.
    public func apiKey(id: String) throws -> APIKey {
        try pool.read { db in try loadKey(db, id: id) }
    }

    /// Keys by creation time; revoked ones only when asked.
    public func apiKeys(includeRevoked: Bool = false) throws -> [APIKey] {
        try pool.read { db in
            try db.fetchAll(MetadataStore.keySelect + " WHERE (? OR revoked_at IS NULL) ORDER BY created_at, id",
                            [includeRevoked], MetadataStore.decodeKey)
        }
    }

    /// Revokes a key (idempotent: revoking again keeps the first time). Throws `.notFound`.
    @discardableResult
    public func revokeAPIKey(id: String, actor: String? = nil) throws -> APIKey {
        try pool.write { db in
            let key = try loadKey(db, id: id)
            guard key.isActive else { return key }
            try db.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ?", [now(), id])
            try audit(db, actor: actor, action: "key.revoke", target: id)
            return try loadKey(db, id: id)
        }
    }

    /// Records when keys were last used (id -> ms), in one transaction. Meant to be batched
    /// by the gateway (e.g. once a minute), not called per request; does not bump the
    /// `apiKeys` change counter.
    public func recordAPIKeyUse(_ uses: [String: Int64]) throws {
        guard !uses.isEmpty else { return }
        try pool.write { db in
            for (id, time) in uses {
                try db.execute("UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?", [time, id])
            }
        }
    }

    // MARK: Helpers

    private func validateKeyName(_ name: String) throws {
        guard !name.isEmpty, name.utf8.count <= limits.maximumNameBytes,
              !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else {
            throw StoreError(.invalidArgument, "key name must be 1 to \(limits.maximumNameBytes) bytes without control characters")
        }
    }

    static let keySelect = "SELECT id, name, scope, secret_hash, created_at, revoked_at, last_used_at FROM api_keys"

    func loadKey(_ db: Database, id: String) throws -> APIKey {
        guard let key = try db.fetchOne(MetadataStore.keySelect + " WHERE id = ?", [id], MetadataStore.decodeKey) else {
            throw StoreError(.notFound, "API key '\(MetadataStore.printable(id))' not found")
        }
        return key
    }

    static func decodeKey(_ row: Row) throws -> APIKey {
        guard let scope = APIKeyScope(rawValue: try row.string(2)) else {
            throw StoreError(.corrupt, "API key row has an unknown scope")
        }
        return APIKey(id: try row.string(0), name: try row.string(1), scope: scope, secretHash: try digest(try row.string(3)),
                      createdAt: try row.int64(4), revokedAt: try row.optionalInt64(5), lastUsedAt: try row.optionalInt64(6))
    }

    static func randomHex(bytes count: Int, using generator: inout SystemRandomNumberGenerator) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(count * 2)
        for _ in 0..<count {
            let byte = UInt8.random(in: 0...255, using: &generator)
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
