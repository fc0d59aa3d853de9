/// A registered model: a name that versions hang off (MLflow `RegisteredModel`).
public struct RegisteredModel: Sendable, Hashable {
    /// The row id (internal; not shown to clients).
    public var id: Int64
    /// The unique name.
    public var name: String
    /// Free text.
    public var description: String
    /// Who created it (MLflow `user_id`), when known.
    public var userID: String?
    /// Creation time, milliseconds since the Unix epoch.
    public var createdAt: Int64
    /// Last change, milliseconds since the Unix epoch.
    public var updatedAt: Int64
    /// Tags (MLflow `RegisteredModelTag`).
    public var tags: [String: String]
    /// Aliases: alias -> version number (MLflow `RegisteredModelAlias`).
    public var aliases: [String: Int64]
}

/// Where a version's file came from.
public struct VersionSource: Sendable, Hashable {
    /// The kind of source.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Uploaded over HTTP or imported with the CLI.
        case upload
        /// Imported from a watched registry folder.
        case registry
        /// Created through the MLflow registry API (`source` is the MLflow source URI).
        case mlflow
    }

    /// The kind of source.
    public var kind: Kind
    /// The folder path, file name or URI (MLflow `ModelVersion.source`).
    public var location: String

    /// Creates a source.
    public init(kind: Kind, location: String) {
        self.kind = kind
        self.location = location
    }
}

/// Whether a version can serve.
public enum VersionStatus: String, Sendable, Hashable, CaseIterable {
    /// Stored; not yet validated by a load (MLflow PENDING_REGISTRATION).
    case loading
    /// Loaded and validated once (MLflow READY).
    case ready
    /// Could not load; see the reason (MLflow FAILED_REGISTRATION).
    case failed
}

/// MLflow's `current_stage` of a version.
public enum VersionStage: String, Sendable, Hashable, CaseIterable {
    case none = "None"
    case staging = "Staging"
    case production = "Production"
    case archived = "Archived"

    /// Parses a stage name case-insensitively, as MLflow's `get_canonical_stage` does.
    public init?(canonicalizing name: String) {
        let lower = name.lowercased()
        guard let stage = VersionStage.allCases.first(where: { $0.rawValue.lowercased() == lower }) else { return nil }
        self = stage
    }
}

/// One stored version of a model (MLflow `ModelVersion` plus what serving needs).
public struct ModelVersion: Sendable, Hashable {
    /// The row id (internal).
    public var id: Int64
    /// The model's name.
    public var modelName: String
    /// The version number, from 1, unique per model and never reused.
    public var version: Int64
    /// The artifact's SHA-256.
    public var sha256: SHA256Digest
    /// The artifact's size in bytes.
    public var size: Int64
    /// The file format, e.g. "onnx".
    public var format: String
    /// The input/output signature as JSON text, when known.
    public var signature: String?
    /// What a seed `metadata.json` carries (metrics, params, training info) as JSON text.
    public var metadata: String?
    /// Where the file came from.
    public var source: VersionSource
    /// The MLflow run that produced it.
    public var runID: String?
    /// MLflow `run_link`.
    public var runLink: String?
    /// Who created it.
    public var userID: String?
    /// Whether it can serve.
    public var status: VersionStatus
    /// Why it failed (or a progress note); empty when none.
    public var statusReason: String
    /// MLflow stage.
    public var stage: VersionStage
    /// Free text.
    public var description: String
    /// Creation time, milliseconds since the Unix epoch.
    public var createdAt: Int64
    /// Last change, milliseconds since the Unix epoch.
    public var updatedAt: Int64
    /// Tags (MLflow `ModelVersionTag`).
    public var tags: [String: String]
    /// The aliases pointing at this version, sorted.
    public var aliases: [String]
}

/// What a new version is made of. The artifact must already be durable: only the
/// `ArtifactStore` makes a `StoredArtifact`.
public struct NewModelVersion: Sendable {
    /// The durable artifact.
    public var artifact: StoredArtifact
    /// The file format, e.g. "onnx".
    public var format: String
    /// Where it came from.
    public var source: VersionSource
    /// Signature JSON text.
    public var signature: String?
    /// Metadata JSON text.
    public var metadata: String?
    /// MLflow run id.
    public var runID: String?
    /// MLflow run link.
    public var runLink: String?
    /// Who creates it.
    public var userID: String?
    /// Free text.
    public var description: String
    /// Tags.
    public var tags: [String: String]
    /// The initial status (usually `.loading` until the server has loaded it).
    public var status: VersionStatus
    /// A version number to use (Triton's numbered folders); nil for the next one.
    public var number: Int64?

    /// Describes a new version.
    public init(
        artifact: StoredArtifact, format: String = "onnx", source: VersionSource,
        signature: String? = nil, metadata: String? = nil, runID: String? = nil, runLink: String? = nil,
        userID: String? = nil, description: String = "", tags: [String: String] = [:],
        status: VersionStatus = .loading, number: Int64? = nil
    ) {
        self.artifact = artifact
        self.format = format
        self.source = source
        self.signature = signature
        self.metadata = metadata
        self.runID = runID
        self.runLink = runLink
        self.userID = userID
        self.description = description
        self.tags = tags
        self.status = status
        self.number = number
    }
}

/// One model with its versions, as read in one snapshot.
public struct RegistryEntry: Sendable, Hashable {
    /// The model (with aliases and tags).
    public var model: RegisteredModel
    /// Its versions, by ascending number.
    public var versions: [ModelVersion]

    /// Resolves a selector among these versions (PROTOCOLS.md §5).
    public func resolve(_ selector: VersionSelector) -> ModelVersion? {
        let number = selector.resolve(
            versions: versions.map { ($0.version, $0.status == .ready) },
            aliases: model.aliases)
        guard let number else { return nil }
        return versions.first { $0.version == number }
    }
}

/// Every model, version and alias, read in one transaction, with the registry generation it
/// reflects (compare with `MetadataStore.generation(.registry)` to know when to reload).
public struct RegistrySnapshot: Sendable, Hashable {
    /// The registry change counter when read.
    public var generation: Int64
    /// Models by name.
    public var models: [String: RegistryEntry]

    /// Resolves `name` + selector (PROTOCOLS.md §5); nil when the model or version is unknown.
    public func resolve(_ name: String, _ selector: VersionSelector = .default) -> ModelVersion? {
        models[name]?.resolve(selector)
    }
}

/// Which version a request means (PROTOCOLS.md §5: model addressing).
public enum VersionSelector: Sendable, Hashable {
    /// The version behind the `production` alias when set, else the highest ready version.
    case `default`
    /// The highest ready version.
    case latest
    /// A pinned version number.
    case version(Int64)
    /// The version an alias points to (`latest` is the highest ready version).
    case alias(String)

    /// The alias that `default` prefers.
    public static let productionAlias = "production"

    /// Splits `name@alias` (PROTOCOLS.md §5: "`{m}@{alias}` everywhere a model name is taken").
    public static func parse(modelReference: String) -> (name: String, selector: VersionSelector) {
        guard let at = modelReference.firstIndex(of: "@") else { return (modelReference, .default) }
        let name = String(modelReference[..<at])
        let alias = String(modelReference[modelReference.index(after: at)...])
        return (name, alias.lowercased() == "latest" ? .latest : .alias(alias))
    }

    /// Picks a version number from `versions` (number, isReady) and `aliases`; nil when none fits.
    public func resolve(versions: [(number: Int64, isReady: Bool)], aliases: [String: Int64]) -> Int64? {
        func latestReady() -> Int64? { versions.filter(\.isReady).map(\.number).max() }
        func existing(_ n: Int64?) -> Int64? {
            guard let n, versions.contains(where: { $0.number == n }) else { return nil }
            return n
        }
        switch self {
        case .default:
            if let pinned = aliases[VersionSelector.productionAlias] { return existing(pinned) }
            return latestReady()
        case .latest:
            return latestReady()
        case .version(let n):
            return existing(n)
        case .alias(let alias):
            if alias.lowercased() == "latest" { return latestReady() }
            return existing(aliases[alias])
        }
    }
}
