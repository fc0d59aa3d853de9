import ModelKit

/// What the serving routes need from the model registry: resolution on the hot path,
/// status for listings, and the few write operations the repository and management routes
/// expose.
///
/// The registry (Sources/Monolith/Registry) conforms to this. `lookup` runs on the event
/// loops for every inference request: it must not take a lock or do I/O (an immutable
/// snapshot read through an atomic reference). Everything else may block and is only
/// called from offloaded routes or cold endpoints.
protocol ServingModels: Sendable {
    /// Resolves `reference` in the current snapshot (PROTOCOLS.md §5). Never blocks.
    func lookup(_ reference: ModelReference) -> ModelLookup

    /// Blocks up to `timeout` while `reference` resolves to `.loading`; returns the last lookup.
    func waitWhileLoading(_ reference: ModelReference, timeout: Duration) -> ModelLookup

    /// Every registered model name, sorted.
    func modelNames() -> [String]

    /// Whether any version may be loading right now (lock-free, like `lookup`). When false,
    /// no request can need to wait and the responder skips its per-request check.
    var anyLoading: Bool { get }

    /// Versions (every state) and aliases of `name`; `nil` when no such model.
    func status(of name: String) -> ModelStatus?

    /// Whether every model marked to load has loaded (readiness); when not, why.
    func readiness() -> (ready: Bool, reason: String)

    /// Loads (or reloads) every version of `name` marked to serve; blocks until done.
    func load(_ name: String) throws(ServingError)

    /// Stops serving `name` (its versions stay stored); in-flight requests finish.
    func unload(_ name: String) throws(ServingError)

    /// Stores the model file read from `body` as a new version of `name` (creating the
    /// model if needed), loads and validates it, and makes it servable. A file that fails
    /// to load is rejected with a 4xx naming the problem and changes nothing.
    func createVersion(name: String, body: ModelUpload) throws(ServingError) -> VersionDetails

    /// The stored details of one version.
    func versionDetails(name: String, version: String) throws(ServingError) -> VersionDetails

    /// Deletes one version (refused while an alias points at it).
    func deleteVersion(name: String, version: String) throws(ServingError)

    /// Points `alias` of `name` at `version`, which must be ready.
    func setAlias(name: String, alias: String, version: String) throws(ServingError) -> VersionDetails

    /// Removes `alias` from `name`.
    func removeAlias(name: String, alias: String) throws(ServingError)
}

extension ServingModels {
    /// Conservative default: always check each request.
    var anyLoading: Bool { true }
}

/// A model file arriving in a request body, read chunk by chunk (nil at the end).
struct ModelUpload: Sendable {
    /// Reads the next chunk; throws when the client went away or broke a limit.
    let read: @Sendable () throws -> [UInt8]?
    /// The declared `Content-Length`, when known.
    let declaredLength: Int?
}

/// A model name with the version it asks for.
struct ModelReference: Sendable, Hashable, CustomStringConvertible {
    /// How a version is chosen (PROTOCOLS.md §5).
    enum Selector: Sendable, Hashable {
        /// The version behind alias `production` when set, else the highest ready version.
        case automatic
        /// A pinned version number.
        case version(String)
        /// An alias; `latest` always means the highest ready version.
        case alias(String)
    }

    var name: String
    var selector: Selector

    init(name: String, selector: Selector = .automatic) {
        self.name = name
        self.selector = selector
    }

    /// Parses a name as routes receive it: `name` or `name@alias`, plus an optional
    /// `/versions/{v}` segment (which cannot be combined with `@alias`).
    init(parsing text: String, version: String? = nil) throws(ServingError) {
        var name = text
        var selector = Selector.automatic
        if let at = text.lastIndex(of: "@") {
            name = String(text[..<at])
            let alias = String(text[text.index(after: at)...])
            guard !alias.isEmpty else { throw .badRequest("model reference '\(text)' has an empty alias after '@'") }
            selector = .alias(alias)
        }
        guard !name.isEmpty else { throw .badRequest("the model name is empty") }
        if let version {
            guard case .automatic = selector else {
                throw .badRequest("model reference '\(text)' names an alias and a version; use one")
            }
            selector = .version(version)
        }
        self.init(name: name, selector: selector)
    }

    var description: String {
        switch selector {
        case .automatic: return name
        case .version(let v): return "\(name) version \(v)"
        case .alias(let a): return "\(name)@\(a)"
        }
    }
}

/// What a lookup found.
enum ModelLookup: Sendable {
    /// A loaded version, ready to run.
    case ready(ServedModel)
    /// The version exists and is loading; it will become ready or fail.
    case loading
    /// The version exists but cannot serve (failed to load, unloaded): 503 with the reason.
    case unavailable(String)
    /// No such model, version or alias: 404 with the message.
    case notFound(String)
}

/// A loaded model version: what an inference request runs.
///
/// A class so a lookup hands out one reference; the registry builds it once per load.
final class ServedModel: Sendable {
    let name: String
    let version: String
    let session: Session
    /// The protocol view of the session's inputs and outputs, computed once.
    let signature: ModelSignature
    /// Every output name in model order (what a request without `outputs` computes).
    let outputNames: [String]
    /// The platform V2 metadata reports (`onnx_onnxv1`).
    let platform: String
    /// What the inference routes served with this version (Triton's statistics extension).
    let statistics = InferenceStatistics()

    init(name: String, version: String, session: Session, platform: String = "onnx_onnxv1") {
        self.name = name
        self.version = version
        self.session = session
        self.signature = ModelSignature(session: session)
        self.outputNames = session.outputs.map(\.name)
        self.platform = platform
    }
}

/// The state of one version.
enum VersionState: String, Sendable, Hashable {
    case loading, ready, failed, unloaded
}

/// One version of a model as status endpoints list it.
struct VersionStatus: Sendable, Hashable {
    var version: String
    var state: VersionState
    /// Why it is not ready (empty when ready).
    var reason: String

    init(version: String, state: VersionState, reason: String = "") {
        self.version = version
        self.state = state
        self.reason = reason
    }
}

/// A model's versions and aliases.
struct ModelStatus: Sendable, Hashable {
    var name: String
    /// Every stored version, ascending by number.
    var versions: [VersionStatus]
    /// Alias → version.
    var aliases: [String: String]
    /// The version `name` alone resolves to now, if any.
    var defaultVersion: String?
}

/// A stored version with its file and signature, as management routes answer.
struct VersionDetails: Sendable, Hashable {
    var name: String
    var version: String
    var state: VersionState
    var reason: String
    /// Hex SHA-256 of the model file.
    var sha256: String
    var sizeBytes: Int
    var inputs: [TensorSignature]
    var outputs: [TensorSignature]
    var aliases: [String]
    /// Creation time, milliseconds since the Unix epoch.
    var createdAtMillis: Int64
}
