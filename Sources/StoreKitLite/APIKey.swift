/// What an API key may do.
public enum APIKeyScope: String, Sendable, Hashable, CaseIterable {
    /// Inference and metadata routes.
    case predict
    /// Everything, including management routes.
    case admin
}

/// A stored API key: the SHA-256 of its secret, never the secret.
public struct APIKey: Sendable, Hashable {
    /// The short public id, shown in lists and logs.
    public var id: String
    /// A human name.
    public var name: String
    /// What it may do.
    public var scope: APIKeyScope
    /// SHA-256 of the whole secret string.
    public var secretHash: SHA256Digest
    /// Creation time, milliseconds since the Unix epoch.
    public var createdAt: Int64
    /// When revoked, if it was.
    public var revokedAt: Int64?
    /// When last used, as last recorded (`recordAPIKeyUse` batches these).
    public var lastUsedAt: Int64?

    /// Whether the key is still accepted.
    public var isActive: Bool { revokedAt == nil }
}

/// A freshly created key with its secret, which is shown once and never stored.
public struct CreatedAPIKey: Sendable {
    /// The stored key.
    public var key: APIKey
    /// The secret to hand to the user: `mk_<id>_<64 hex>`.
    public var secret: String
}

/// A recorded management action: who did what to what, when.
public struct AuditEntry: Sendable, Hashable {
    /// Sequence number.
    public var id: Int64
    /// When, milliseconds since the Unix epoch.
    public var at: Int64
    /// The API key id (or "cli", "registry") that acted, when known.
    public var actor: String?
    /// What was done, e.g. `version.create`, `alias.set`, `key.revoke`.
    public var action: String
    /// What it was done to, e.g. `iris/3`, `iris@production`, a key id.
    public var target: String
    /// Extra detail (sha256, old -> new), never a secret.
    public var detail: String
}

/// The change counters a server polls to notice changes made by another process.
public enum ChangeCounter: String, Sendable, Hashable, CaseIterable {
    /// Models, versions, aliases, stages, statuses, tags.
    case registry
    /// API keys created, revoked, renamed.
    case apiKeys = "api_keys"
}
