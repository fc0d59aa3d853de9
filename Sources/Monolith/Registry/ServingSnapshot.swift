import StoreKitLite

/// Whether a version can serve right now.
enum ServingState: Sendable, Hashable {
    /// Stored; its session is being loaded and checked.
    case loading
    /// Loaded and validated: requests run it.
    case ready
    /// Could not load; the reason names why (bad file, missing artifact, hash mismatch…).
    case failed(reason: String)
    /// Stored but unloaded on request (Triton's repository extension `unload`).
    case unloaded

    /// The state name of Triton's repository index (`READY`, `LOADING`, `UNAVAILABLE`).
    var protocolName: String {
        switch self {
        case .loading: return "LOADING"
        case .ready: return "READY"
        case .failed, .unloaded: return "UNAVAILABLE"
        }
    }

    /// TensorFlow Serving's `model_version_status.state` (`AVAILABLE`, `LOADING`, `END`).
    var tfServingName: String {
        switch self {
        case .loading: return "LOADING"
        case .ready: return "AVAILABLE"
        case .failed: return "UNKNOWN"
        case .unloaded: return "END"
        }
    }

    /// Why it is not ready ("" when ready or loading).
    var reason: String {
        switch self {
        case .failed(let reason): return reason
        case .unloaded: return "unloaded"
        default: return ""
        }
    }
}

/// One version as the serving snapshot lists it.
struct ServedVersion: Sendable {
    /// The version number.
    let number: Int64
    /// Whether it serves.
    let state: ServingState
    /// The loaded model when `state == .ready`.
    let model: LoadedModel?
    /// The artifact's SHA-256.
    let sha256: SHA256Digest
    /// Where the file came from.
    let source: VersionSource
}

/// One model as the serving snapshot lists it: versions by ascending number, aliases.
///
/// A class: every request resolves through it from any thread, and copying a struct of
/// arrays would retain each of them (shared cache lines) where a class costs one.
final class ServedModelEntry: Sendable {
    /// The model's name.
    let name: String
    /// Versions by ascending number.
    let versions: [ServedVersion]
    /// Alias → version number.
    let aliases: [String: Int64]
    /// Index in `versions` of the highest ready version (what `latest` means).
    let latestReadyIndex: Int?
    /// The loaded model of that version (the default resolution of most requests).
    let latestReadyModel: LoadedModel?

    init(name: String, versions: [ServedVersion], aliases: [String: Int64]) {
        self.name = name
        let sorted = versions.sorted { $0.number < $1.number }
        let latest = sorted.lastIndex { $0.state == .ready }
        self.versions = sorted
        self.aliases = aliases
        self.latestReadyIndex = latest
        self.latestReadyModel = latest.flatMap { sorted[$0].model }
    }

    /// The version numbered `number` (binary search).
    func version(_ number: Int64) -> ServedVersion? {
        var low = 0
        var high = versions.count
        while low < high {
            let mid = (low + high) / 2
            if versions[mid].number < number { low = mid + 1 } else { high = mid }
        }
        return low < versions.count && versions[low].number == number ? versions[low] : nil
    }

    /// The highest ready version (PROTOCOLS.md §5: what `latest` means).
    var latestReady: ServedVersion? { latestReadyIndex.map { versions[$0] } }

    /// Resolves a selector (PROTOCOLS.md §5). With no ready version, `latest` and the default
    /// report the newest version that is loading (the caller may wait), else the newest
    /// failure, so that the answer says why nothing serves.
    func resolve(_ selector: VersionSelector) -> ModelResolution {
        switch selector {
        case .default:
            if let pinned = aliases[VersionSelector.productionAlias] { return resolve(number: pinned, alias: VersionSelector.productionAlias) }
            return resolveLatest()
        case .latest:
            return resolveLatest()
        case .version(let number):
            return resolve(number: number, alias: nil)
        case .alias(let alias):
            if alias.lowercased() == "latest" { return resolveLatest() }
            guard let number = aliases[alias] else {
                return .notFound("model '\(name)' has no alias '\(ServingSnapshot.printable(alias))'")
            }
            return resolve(number: number, alias: alias)
        }
    }

    private func resolve(number: Int64, alias: String?) -> ModelResolution {
        guard let version = version(number) else {
            if let alias { return .notFound("alias '\(alias)' of model '\(name)' points to version \(number), which does not exist") }
            return .notFound("model '\(name)' has no version \(number)")
        }
        return resolution(of: version)
    }

    private func resolveLatest() -> ModelResolution {
        if let model = latestReadyModel { return .ready(model) }
        if let loading = versions.last(where: { $0.state == .loading }) {
            return .loading(name: name, version: loading.number)
        }
        if let last = versions.last { return resolution(of: last) }
        return .notFound("model '\(name)' has no versions")
    }

    private func resolution(of version: ServedVersion) -> ModelResolution {
        switch version.state {
        case .ready:
            if let model = version.model { return .ready(model) }
            return .failed(name: name, version: version.number, reason: "not loaded")
        case .loading:
            return .loading(name: name, version: version.number)
        case .failed(let reason):
            return .failed(name: name, version: version.number, reason: reason)
        case .unloaded:
            return .failed(name: name, version: version.number, reason: "model '\(name)' is unloaded; load it with POST /v2/repository/models/\(name)/load")
        }
    }
}

/// What a model reference resolved to.
enum ModelResolution: Sendable {
    /// The version serves: run it.
    case ready(LoadedModel)
    /// The version is loading: wait (`ModelRegistry.waitForModel`) or answer 503.
    case loading(name: String, version: Int64)
    /// The version exists but cannot serve (failed load, unloaded); the reason says why.
    case failed(name: String, version: Int64, reason: String)
    /// No such model, version or alias (404); the message names what is missing.
    case notFound(String)

    /// The model when ready; otherwise the error a route throws (404 / 503 with the reason).
    func get() throws(RegistryError) -> LoadedModel {
        switch self {
        case .ready(let model): return model
        case .loading(let name, let version):
            throw RegistryError(.loading, "model '\(name)' version \(version) is still loading")
        case .failed(let name, let version, let reason):
            throw RegistryError(.unavailable, "model '\(name)' version \(version) is not available: \(reason)")
        case .notFound(let message):
            throw RegistryError(.notFound, message)
        }
    }

    /// Whether the caller would get a model by waiting.
    var isLoading: Bool {
        if case .loading = self { return true }
        return false
    }
}

/// The serving snapshot: every model, its versions (state, loaded session) and aliases, as
/// of one instant. Immutable: the registry builds a new one for every change and publishes
/// it atomically (`ServingSnapshotCell`); requests resolve against whichever snapshot they
/// picked up, so a request never sees half of a change.
final class ServingSnapshot: Sendable {
    /// Increases with every published snapshot.
    let generation: UInt64
    /// Models by name.
    let models: [String: ServedModelEntry]
    /// Model names, sorted (listing order).
    let names: [String]
    /// Whether every model marked to load has loaded, computed once per snapshot.
    let readiness: Readiness
    /// Whether any version is loading: when not, no request can need to wait (the serving
    /// responder then skips its per-request check).
    let anyLoading: Bool

    /// Builds a snapshot; `synced` says the registry finished its start-up pass (before
    /// that, the snapshot is never ready).
    init(generation: UInt64, models: [String: ServedModelEntry], names: [String]? = nil, synced: Bool = true) {
        self.generation = generation
        self.models = models
        self.names = names ?? models.keys.sorted()
        self.readiness = Readiness(models: models, names: self.names, synced: synced)
        self.anyLoading = !synced || models.values.contains { $0.versions.contains { $0.state == .loading } }
    }

    /// The empty snapshot of a registry that has not loaded anything yet.
    static let empty = ServingSnapshot(generation: 0, models: [:], synced: false)

    /// Resolves a model name and selector (PROTOCOLS.md §5).
    func resolve(_ name: String, _ selector: VersionSelector = .default) -> ModelResolution {
        guard let entry = models[name] else { return .notFound("model '\(ServingSnapshot.printable(name))' not found") }
        return entry.resolve(selector)
    }

    /// Resolves `name` or `name@alias` (PROTOCOLS.md §5: "`{m}@{alias}` everywhere a model
    /// name is taken").
    func resolve(reference: String) -> ModelResolution {
        let (name, selector) = VersionSelector.parse(modelReference: reference)
        return resolve(name, selector)
    }

    /// A bounded, control-free rendering of client input for messages.
    static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(80) {
            out.unicodeScalars.append(scalar.value < 0x20 || scalar.value == 0x7F ? "?" : scalar)
        }
        return text.unicodeScalars.count > 80 ? out + "…" : out
    }
}

/// Readiness (PROTOCOLS.md §1 `/health/ready`): every model marked to load has loaded.
///
/// A model counts as loaded when at least one of its versions serves: a new version loading
/// next to a serving one, or a broken file next to a good one, does not take the process
/// out of a load balancer (the old version keeps serving, DESIGN.md). A model with no
/// serving version — still loading, or every version failed — makes the process not ready,
/// with the reason. Unloaded models are not marked to load; a model with no versions has
/// nothing to load.
struct Readiness: Sendable, Equatable {
    /// Whether the process may receive traffic.
    var isReady: Bool
    /// Why not, one entry per model (empty when ready).
    var reasons: [String]

    /// The reasons as one line.
    var reason: String { reasons.joined(separator: "; ") }

    init(isReady: Bool, reasons: [String]) {
        self.isReady = isReady
        self.reasons = reasons
    }

    init(models: [String: ServedModelEntry], names: [String], synced: Bool) {
        var reasons: [String] = synced ? [] : ["registry: start-up load in progress"]
        for name in names {
            guard let entry = models[name], entry.latestReadyIndex == nil, !entry.versions.isEmpty,
                  !entry.versions.allSatisfy({ $0.state == .unloaded }) else { continue }
            if let loading = entry.versions.last(where: { $0.state == .loading }) {
                reasons.append("model '\(name)': version \(loading.number) is loading")
            } else if let last = entry.versions.last(where: { $0.state != .unloaded }) {
                reasons.append("model '\(name)': no version could be loaded (version \(last.number): \(last.state.reason))")
            }
            if reasons.count >= 20 {
                reasons.append("…")
                break
            }
        }
        self.init(isReady: reasons.isEmpty, reasons: reasons)
    }
}
