import Testing
@testable import StoreKitLite

@Suite struct APIKeyTests {
    @Test func createdKeyAuthenticatesAndOnlyItsHashIsStored() throws {
        let f = try Fixture()
        let created = try f.store.createAPIKey(name: "ci", scope: .predict, actor: "cli")
        #expect(created.secret.hasPrefix("mk_" + created.key.id + "_"))
        #expect(created.secret.utf8.count == 3 + 12 + 1 + 64)
        #expect(created.key.id.utf8.count == 12)
        #expect(created.key.secretHash == SHA256.hash(Array(created.secret.utf8)))
        #expect(created.key.scope == .predict && created.key.isActive)
        let found = try f.store.authenticateAPIKey(secret: created.secret)
        #expect(found?.id == created.key.id)
        #expect(try f.store.authenticateAPIKey(secret: created.secret + "x") == nil)
        #expect(try f.store.authenticateAPIKey(secret: "") == nil)
        // The secret appears nowhere in the database, nor in the audit log.
        let hits = try f.store.pool.read { db -> Int64 in
            let keys = try db.fetchValue(Int64.self, """
                SELECT count(*) FROM api_keys WHERE instr(id || name || scope || secret_hash, ?) > 0
                """, [created.secret]) ?? 0
            let audit = try db.fetchValue(Int64.self, """
                SELECT count(*) FROM audit_log WHERE instr(action || target || detail || coalesce(actor, ''), ?) > 0
                """, [created.secret]) ?? 0
            return keys + audit
        }
        #expect(hits == 0)
    }

    @Test func revokedKeysAreRefusedAndListedOnRequest() throws {
        let f = try Fixture()
        let a = try f.store.createAPIKey(name: "a", scope: .admin)
        let b = try f.store.createAPIKey(name: "b", scope: .predict)
        let before = try f.store.generation(.apiKeys)
        let revoked = try f.store.revokeAPIKey(id: a.key.id)
        #expect(revoked.revokedAt != nil && !revoked.isActive)
        #expect(try f.store.generation(.apiKeys) > before)
        #expect(try f.store.authenticateAPIKey(secret: a.secret) == nil)
        #expect(try f.store.apiKey(secretHash: a.key.secretHash)?.isActive == false)
        #expect(try f.store.apiKeys().map(\.id) == [b.key.id])
        #expect(Set(try f.store.apiKeys(includeRevoked: true).map(\.id)) == [a.key.id, b.key.id])
        // Revoking again keeps the first time.
        #expect(try f.store.revokeAPIKey(id: a.key.id).revokedAt == revoked.revokedAt)
        let unknown = #expect(throws: StoreError.self) { try f.store.revokeAPIKey(id: "nope") }
        #expect(unknown?.code == .notFound)
    }

    @Test func recordingUseDoesNotMoveTheCounter() throws {
        let f = try Fixture()
        let a = try f.store.createAPIKey(name: "a", scope: .predict)
        let generation = try f.store.generation(.apiKeys)
        try f.store.recordAPIKeyUse([a.key.id: 5_000, "unknown": 1])
        try f.store.recordAPIKeyUse([a.key.id: 4_000])  // older: ignored
        #expect(try f.store.apiKey(id: a.key.id).lastUsedAt == 5_000)
        #expect(try f.store.generation(.apiKeys) == generation)
    }

    @Test func bootstrapKeyIsIdempotent() throws {
        let f = try Fixture()
        let secret = "bootstrap-admin-secret-0123456789"
        let first = try f.store.ensureAPIKey(secret: secret, name: "env", scope: .admin)
        let second = try f.store.ensureAPIKey(secret: secret, name: "env", scope: .admin)
        #expect(first == second)
        #expect(try f.store.apiKeys().count == 1)
        #expect(try f.store.authenticateAPIKey(secret: secret)?.scope == .admin)
        #expect(throws: StoreError.self) { _ = try f.store.ensureAPIKey(secret: "short", name: "env", scope: .admin) }
        // A revoked bootstrap secret stays revoked.
        try f.store.revokeAPIKey(id: first.id)
        #expect(try f.store.ensureAPIKey(secret: secret, name: "env", scope: .admin).isActive == false)
    }

    @Test func keyNamesAreValidated() throws {
        let f = try Fixture()
        #expect(throws: StoreError.self) { _ = try f.store.createAPIKey(name: "", scope: .admin) }
        #expect(throws: StoreError.self) { _ = try f.store.createAPIKey(name: "a\nb", scope: .admin) }
    }
}
