import StoreKitLite

/// The registry's in-memory state behind its lock: the last store read and what this
/// process loaded from it. The serving snapshot is a function of it (`makeSnapshot`).
///
/// Snapshots are rebuilt incrementally: every mutation marks the models it touches, and
/// `makeSnapshot` rebuilds only their entries (a start-up loading 300 versions publishes
/// 300 times; rebuilding everything each time was a quarter of its CPU time).
struct RegistryState: Sendable {
    /// The last read of the store (models, versions, aliases, change counter).
    private(set) var records: RegistrySnapshot?
    /// Sessions loaded, by version and artifact.
    private(set) var loaded: [VersionKey: LoadedModel] = [:]
    /// Loads that failed in this process, with why (the store may still say `ready`: a
    /// missing or damaged artifact is found at load time).
    private(set) var failures: [VersionKey: String] = [:]
    /// Loads queued or running.
    private(set) var pending: Set<VersionKey> = []
    /// Versions the store records as `failed` that this process tried again (once each: a
    /// newer build may load what an older one could not — a new operator, a fixed bug).
    private(set) var retried: Set<VersionKey> = []
    /// Models unloaded on request (Triton's `unload`); kept in memory only, as Triton does:
    /// a restart loads everything again.
    private(set) var unloaded: Set<String> = []
    /// Whether the start-up pass is done: folder imported, store read, and every version
    /// it found loaded or failed. Until then the process is not ready: were it ready as
    /// soon as each model had one version, `{m}` could briefly serve an older version
    /// while the newest still loads.
    private(set) var synced = false
    /// The start-up pass read the store; `synced` follows once nothing is pending.
    private var startupRead = false
    /// The generation of the last published snapshot.
    var generation: UInt64 = 0

    /// The serving entries of the last snapshot, and the models changed since.
    private var entries: [String: ServedModelEntry] = [:]
    private var names: [String] = []
    private var dirty: Set<String> = []

    // MARK: Mutations (each marks the models it changes)

    /// Applies a store read; returns false (and changes nothing) when it is older than the
    /// one applied. Record-only versions (MLflow versions without a model file) are left
    /// out: they are never loaded, resolved or counted by readiness.
    mutating func apply(_ read: RegistrySnapshot) -> Bool {
        if let current = records, current.generation > read.generation { return false }
        let new = read.servable
        let old = records?.models ?? [:]
        for (name, entry) in new.models where old[name] != entry { dirty.insert(name) }
        for name in old.keys where new.models[name] == nil { dirty.insert(name) }
        records = new
        prune()
        return true
    }

    mutating func setLoaded(_ key: VersionKey, _ model: LoadedModel) {
        loaded[key] = model
        failures[key] = nil
        dirty.insert(key.name)
    }

    /// Serves `model`, which this process validated for the version `key` it just stored,
    /// given `read`, a store read taken after that commit. The read is applied first (unless
    /// a newer one was) and the model set only while the version is live in it: a read
    /// taken before the commit, applied later, is then refused as older and cannot prune the
    /// model (setting it before applying left a window in which such a read dropped the
    /// session and the version loaded a second time from disk, `loading` meanwhile).
    /// Returns whether `read` was applied.
    mutating func adopt(_ key: VersionKey, _ model: LoadedModel, after read: RegistrySnapshot) -> Bool {
        let applied = apply(read)
        if isLive(key) { setLoaded(key, model) }
        return applied
    }

    mutating func setFailed(_ key: VersionKey, _ reason: String) {
        failures[key] = reason
        dirty.insert(key.name)
    }

    mutating func finishPending(_ key: VersionKey) {
        if pending.remove(key) != nil { dirty.insert(key.name) }
        updateSynced()
    }

    /// Records that the start-up pass read the store.
    mutating func markStartupRead() {
        startupRead = true
        updateSynced()
    }

    private mutating func updateSynced() {
        if startupRead && pending.isEmpty { synced = true }
    }

    mutating func markRetried(_ key: VersionKey) {
        retried.insert(key)
    }

    /// Unloads a model: its sessions are dropped (in-flight requests finish on them).
    mutating func unload(_ name: String) {
        unloaded.insert(name)
        loaded = loaded.filter { $0.key.name != name }
        failures = failures.filter { $0.key.name != name }
        dirty.insert(name)
    }

    /// Marks a model to load again, retrying its failed versions.
    mutating func reload(_ name: String) {
        unloaded.remove(name)
        failures = failures.filter { $0.key.name != name }
        retried = retried.filter { $0.name != name }
        dirty.insert(name)
    }

    /// Whether `key` is still a version in the last store read.
    func isLive(_ key: VersionKey) -> Bool {
        guard let versions = records?.models[key.name]?.versions else { return false }
        return versions.contains { $0.version == key.number && $0.sha256 == key.sha256 }
    }

    /// Forgets sessions and failures of versions that left the store (their sessions retire
    /// when the last request using them returns).
    private mutating func prune() {
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
                dirty.insert(name)
                result.append(version)
            }
        }
        return result
    }

    // MARK: The snapshot

    /// The serving snapshot of this state, rebuilding the entries of changed models.
    mutating func makeSnapshot() -> ServingSnapshot {
        guard let records else { return ServingSnapshot(generation: generation, models: [:], synced: synced) }
        var namesChanged = false
        for name in dirty {
            if let entry = records.models[name] {
                if entries[name] == nil { namesChanged = true }
                entries[name] = makeEntry(name, entry)
            } else if entries.removeValue(forKey: name) != nil {
                namesChanged = true
            }
        }
        dirty.removeAll(keepingCapacity: true)
        if namesChanged { names = entries.keys.sorted() }
        return ServingSnapshot(generation: generation, models: entries, names: names, synced: synced)
    }

    private func makeEntry(_ name: String, _ entry: RegistryEntry) -> ServedModelEntry {
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
        return ServedModelEntry(name: name, versions: versions, aliases: servingAliases(name, entry.model.aliases, versions))
    }

    /// The aliases as served: an alias moved (by `monolith alias`, another process) to a
    /// version still loading keeps serving its previous, ready target until the new one
    /// has loaded — moving an alias never makes requests wait or fail.
    private func servingAliases(_ name: String, _ stored: [String: Int64], _ versions: [ServedVersion]) -> [String: Int64] {
        guard let previous = entries[name] else { return stored }
        var aliases = stored
        for (alias, target) in stored {
            guard let old = previous.aliases[alias], old != target,
                  versions.first(where: { $0.number == target })?.state == .loading,
                  versions.first(where: { $0.number == old })?.state == .ready else { continue }
            aliases[alias] = old
        }
        return aliases
    }
}

extension RegistrySnapshot {
    /// This read without record-only versions (`ModelVersion.isRecordOnly`): what serving
    /// sees. A model whose versions are all record-only stays, with no versions.
    var servable: RegistrySnapshot {
        guard models.values.contains(where: { $0.versions.contains(where: \.isRecordOnly) }) else { return self }
        var copy = self
        for (name, entry) in models where entry.versions.contains(where: \.isRecordOnly) {
            copy.models[name]?.versions = entry.versions.filter { !$0.isRecordOnly }
        }
        return copy
    }
}
