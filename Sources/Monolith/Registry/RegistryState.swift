import StoreKitLite

/// The registry's in-memory state behind its lock: the last store read and what this
/// process loaded from it. The serving snapshot is a pure function of it (`makeSnapshot`).
struct RegistryState: Sendable {
    /// The last read of the store (models, versions, aliases, change counter).
    var records: RegistrySnapshot?
    /// Sessions loaded, by version and artifact.
    var loaded: [VersionKey: LoadedModel] = [:]
    /// Loads that failed in this process, with why (the store may still say `ready`: a
    /// missing or damaged artifact is found at load time).
    var failures: [VersionKey: String] = [:]
    /// Loads queued or running.
    var pending: Set<VersionKey> = []
    /// Versions the store records as `failed` that this process tried again (once each: a
    /// newer build may load what an older one could not — a new operator, a fixed bug).
    var retried: Set<VersionKey> = []
    /// Models unloaded on request (Triton's `unload`); kept in memory only, as Triton does:
    /// a restart loads everything again.
    var unloaded: Set<String> = []
    /// Whether the start-up pass (folder import + first store read) is done.
    var synced = false
    /// The generation of the last published snapshot.
    var generation: UInt64 = 0

    /// Whether `key` is still a version in the last store read.
    func isLive(_ key: VersionKey) -> Bool {
        guard let versions = records?.models[key.name]?.versions else { return false }
        return versions.contains { $0.version == key.number && $0.sha256 == key.sha256 }
    }

    /// Forgets sessions and failures of versions that left the store (their sessions retire
    /// when the last request using them returns).
    mutating func prune() {
        guard let records else { return }
        var live = Set<VersionKey>()
        for entry in records.models.values {
            for version in entry.versions { live.insert(VersionKey(version)) }
        }
        loaded = loaded.filter { live.contains($0.key) }
        failures = failures.filter { live.contains($0.key) }
    }

    /// The versions to load now (marked as pending): of a model not unloaded, neither
    /// loaded, failed here nor already pending; stored as `ready` or `loading`, or as
    /// `failed` when not retried yet in this process.
    mutating func versionsToLoad() -> [ModelVersion] {
        guard let records else { return [] }
        var result: [ModelVersion] = []
        for name in records.models.keys.sorted() where !unloaded.contains(name) {
            guard let entry = records.models[name] else { continue }
            // Highest versions first: what `latest` serves becomes ready soonest.
            for version in entry.versions.reversed() {
                let key = VersionKey(version)
                guard loaded[key] == nil, failures[key] == nil, !pending.contains(key) else { continue }
                if version.status == .failed {
                    guard retried.insert(key).inserted else { continue }
                }
                pending.insert(key)
                result.append(version)
            }
        }
        return result
    }

    /// The serving snapshot of this state.
    func makeSnapshot() -> ServingSnapshot {
        guard let records else { return ServingSnapshot(generation: generation, models: [:], synced: synced) }
        var models: [String: ServedModelEntry] = [:]
        models.reserveCapacity(records.models.count)
        for (name, entry) in records.models {
            let isUnloaded = unloaded.contains(name)
            var versions: [ServedVersion] = []
            versions.reserveCapacity(entry.versions.count)
            for version in entry.versions {
                let key = VersionKey(version)
                var model: LoadedModel?
                let state: ServingState
                if isUnloaded {
                    state = .unloaded
                } else if let loadedModel = loaded[key] {
                    model = loadedModel
                    state = .ready
                } else if let reason = failures[key] {
                    state = .failed(reason: reason)
                } else if version.status == .failed && !pending.contains(key) {
                    state = .failed(reason: version.statusReason.isEmpty ? "failed to load" : version.statusReason)
                } else {
                    state = .loading
                }
                versions.append(ServedVersion(number: version.version, state: state, model: model,
                                              sha256: version.sha256, source: version.source))
            }
            models[name] = ServedModelEntry(name: name, versions: versions, aliases: entry.model.aliases)
        }
        return ServingSnapshot(generation: generation, models: models, synced: synced)
    }
}
