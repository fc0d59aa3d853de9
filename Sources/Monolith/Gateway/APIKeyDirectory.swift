import HTTPKit
import StoreKitLite
import Synchronization

/// An active API key as the request path sees it: id, scope and its bucket identity.
final class KeyEntry: Sendable {
    /// The short public id (logged, labelled, never secret).
    let id: String
    let name: String
    let scope: APIKeyScope
    /// The key's identity in the rate limiter (stable across refreshes: derived from the id).
    let limiterIdentity: UInt64
    /// Wall-clock second of the last use seen; written when it moves, so two loops using
    /// one key rarely write the shared cache line. Flushed to the store once a minute.
    let lastUsed = Atomic<Int64>(0)
    /// The last `lastUsed` written to the store.
    let lastRecorded = Atomic<Int64>(0)

    init(id: String, name: String, scope: APIKeyScope) {
        self.id = id
        self.name = name
        self.scope = scope
        var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a over the id
        for b in id.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        limiterIdentity = RateLimiter.mix(h ^ 0x6b65_7973)
    }

    /// Notes a use at wall-clock second `second`.
    @inline(__always)
    func noteUse(at second: Int64) {
        if lastUsed.load(ordering: .relaxed) < second { lastUsed.store(second, ordering: .relaxed) }
    }
}

/// One thread's handle on a `KeyEntry`: the fields the request path reads, in an object
/// only that thread retains. Both event loops using one key would otherwise retain and
/// release the same shared object on every request — an atomic on a cache line the two
/// cores keep taking from each other.
final class ThreadKey {
    let entry: KeyEntry
    let id: String
    let scope: APIKeyScope
    let limiterIdentity: UInt64
    private var lastUsed: Int64 = 0

    init(_ entry: KeyEntry) {
        self.entry = entry
        id = String(decoding: Array(entry.id.utf8), as: UTF8.self)
        scope = entry.scope
        limiterIdentity = entry.limiterIdentity
    }

    /// Notes a use at wall-clock second `second` (the shared entry is written once a second).
    @inline(__always)
    func noteUse(at second: Int64) {
        guard lastUsed < second else { return }
        lastUsed = second
        entry.noteUse(at: second)
    }
}

/// A SHA-256 digest as four words: hashes and compares without touching the heap.
struct KeyDigest: Hashable, Sendable {
    var a: UInt64, b: UInt64, c: UInt64, d: UInt64

    init(_ digest: SHA256Digest) {
        var words: [UInt64] = [0, 0, 0, 0]
        for (i, byte) in digest.bytes.prefix(32).enumerated() { words[i / 8] = words[i / 8] << 8 | UInt64(byte) }
        a = words[0]; b = words[1]; c = words[2]; d = words[3]
    }
}

/// Every active key, by the SHA-256 of its secret: an immutable value swapped as a whole.
final class KeySnapshot: Sendable {
    /// The store's `api_keys` change counter this snapshot reflects.
    let storeGeneration: Int64
    /// Increments on every publish in this process (per-thread caches compare it).
    let version: UInt64
    let byDigest: [KeyDigest: KeyEntry]
    /// Whether an active admin key exists (management routes are refused otherwise).
    let hasAdminKey: Bool

    init(storeGeneration: Int64, version: UInt64, byDigest: [KeyDigest: KeyEntry]) {
        self.storeGeneration = storeGeneration
        self.version = version
        self.byDigest = byDigest
        hasAdminKey = byDigest.values.contains { $0.scope == .admin }
    }

    static let empty = KeySnapshot(storeGeneration: -1, version: 0, byDigest: [:])
}

/// The API keys of the store, held in memory so a request is authenticated without SQLite.
///
/// `refresh()` (the gateway's housekeeping thread, every 200 ms) reads the store's `api_keys`
/// change counter — bumped by triggers on every insert, revoke or rename, by any process —
/// and reloads the keys when it moved, so a key created or revoked with `monolith keys`
/// in another process takes effect here within a poll. Request threads read the current
/// snapshot lock-free (`GatewayLocal` caches it by `version`).
final class APIKeyDirectory: Sendable {
    let store: MetadataStore
    private let current = Mutex<KeySnapshot>(.empty)
    private let version = Atomic<UInt64>(0)

    init(store: MetadataStore) {
        self.store = store
    }

    /// The published snapshot's version (one acquiring load: the hot path's check).
    @inline(__always)
    var publishedVersion: UInt64 { version.load(ordering: .acquiring) }

    /// The published snapshot (takes the lock: only when `publishedVersion` moved).
    var snapshot: KeySnapshot { current.withLock { $0 } }

    /// Reloads the keys when the store's change counter moved (or on first call); returns
    /// whether a new snapshot was published.
    @discardableResult
    func refresh() throws -> Bool {
        let generation = try store.generation(.apiKeys)
        let old = snapshot
        guard generation != old.storeGeneration else { return false }
        let keys = try store.apiKeys(includeRevoked: false)
        var byDigest: [KeyDigest: KeyEntry] = [:]
        var previous: [String: KeyEntry] = [:]
        for entry in old.byDigest.values { previous[entry.id] = entry }
        for key in keys where key.isActive {
            // Keep the entry object of a key that stays, so its last-use time survives.
            let entry: KeyEntry
            if let kept = previous[key.id], kept.scope == key.scope, kept.name == key.name {
                entry = kept
            } else {
                entry = KeyEntry(id: key.id, name: key.name, scope: key.scope)
            }
            byDigest[KeyDigest(key.secretHash)] = entry
        }
        current.withLock { snapshot in
            let next = KeySnapshot(storeGeneration: generation, version: snapshot.version &+ 1, byDigest: byDigest)
            snapshot = next
            version.store(next.version, ordering: .releasing)
        }
        return true
    }

    /// Writes last-use times that moved since the previous call (batched: once a minute).
    func recordUses() throws {
        var uses: [String: Int64] = [:]
        for entry in snapshot.byDigest.values {
            let used = entry.lastUsed.load(ordering: .relaxed)
            if used > entry.lastRecorded.load(ordering: .relaxed) {
                uses[entry.id] = used * 1000
                entry.lastRecorded.store(used, ordering: .relaxed)
            }
        }
        try store.recordAPIKeyUse(uses)
    }
}

/// Where a request carries its key: `Authorization: Bearer <key>` (RFC 6750 §2.1) or
/// `X-API-Key: <key>`.
enum Credentials {
    /// The presented secret's bytes; nil when the request carries none. A malformed
    /// `Authorization` (another scheme, no token) counts as a wrong key, not as none, so
    /// a client that meant to authenticate is told.
    static func presented(in headers: HTTPHeaders) -> Presented {
        if let value = headers.firstValueBytes(lowercasedName: "authorization") {
            // auth-scheme is case-insensitive (RFC 9110 §11.1); one space before the token.
            guard value.count > 7, isBearer(value) else { return .malformed }
            var token = value.dropFirst(7)
            while token.first == 0x20 { token = token.dropFirst() }
            guard !token.isEmpty else { return .malformed }
            return .secret(token)
        }
        if let value = headers.firstValueBytes(lowercasedName: "x-api-key") {
            guard !value.isEmpty else { return .malformed }
            return .secret(value)
        }
        return .none
    }

    enum Presented {
        case none
        case malformed
        case secret(ArraySlice<UInt8>)
    }

    static func isBearer(_ v: ArraySlice<UInt8>) -> Bool {
        let b = v.startIndex
        let word: StaticString = "bearer"
        for i in 0..<6 where v[b + i] | 0x20 != word.utf8Start[i] { return false }
        return v[b + 6] == 0x20
    }
}
