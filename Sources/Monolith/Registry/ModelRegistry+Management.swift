import HTTPKit
import StoreKitLite

extension ModelRegistry {
    // MARK: Uploads

    /// Imports a model file as a new version and serves it (PROTOCOLS.md §6: the HTTP upload
    /// and `monolith import` share this path). The file is streamed to disk, validated
    /// before anything becomes visible, committed, and swapped into the snapshot already
    /// loaded. A bad file throws a `RegistryError` naming what is wrong (4xx) and changes
    /// nothing stored before. Blocks for the whole import: call from a worker thread.
    func importModel(_ request: ModelImportRequest, read: () throws -> [UInt8]?) throws -> ImportedVersion {
        let imported = try importer.importModel(request, read: read)
        adopt(imported)
        logger.info("model version imported", metadata: [
            "model.name": .string(imported.record.modelName),
            "model.version": .int(Int(truncatingIfNeeded: imported.record.version)),
            "model.sha256": .string(imported.record.sha256.hex),
        ])
        return imported
    }

    /// Makes a version this process validated serve without loading it a second time.
    /// Call after the version's row is committed: the store is read again and the model set
    /// in the same step (`RegistryState.adopt`).
    func adopt(_ imported: ImportedVersion) {
        reportLoad(model: imported.record.modelName, succeeded: true)
        let key = VersionKey(imported.record)
        let records: RegistrySnapshot
        do {
            records = try store.registrySnapshot()
        } catch {
            logger.error("cannot refresh the registry", metadata: ["error": .string(RegistryError.wrapping(error, context: "cannot read the registry").message)])
            state.withLock { state in
                state.setLoaded(key, imported.model)
                _ = publish(&state)
            }
            return
        }
        let toLoad = state.withLock { state -> [ModelVersion] in
            let toLoad = state.adopt(key, imported.model, after: records) ? state.versionsToLoad() : []
            _ = publish(&state)
            return toLoad
        }
        schedule(toLoad)
    }

    // MARK: Aliases

    /// Points `alias` of `name` at `version` in one call (PROTOCOLS.md §6: "aliases move with
    /// one call"). The version must exist and be ready: moving an alias never makes a
    /// request wait for a load or hit a broken version. Returns the version.
    @discardableResult
    func setAlias(_ alias: String, model name: String, version number: Int64, actor: String? = nil) throws(RegistryError) -> ModelVersion {
        // A version this process has loaded is ready even if its loader has not yet written
        // the outcome to the store (it publishes first): `ready` answered, then the alias set.
        var loadedHere = false
        if case .ready = resolve(name, .version(number)) { loadedHere = true }
        let record = try ModelRegistry.setAlias(alias, model: name, version: number, actor: actor,
                                                loadedHere: loadedHere, in: store)
        try refresh()
        return record
    }

    /// Sets an alias in `store` after checking its target is ready (shared with
    /// `monolith alias set`, which runs without a registry; a server notices the change
    /// through the store's change counter).
    static func setAlias(_ alias: String, model name: String, version number: Int64, actor: String?,
                         loadedHere: Bool = false, in store: MetadataStore) throws(RegistryError) -> ModelVersion {
        try ModelImporter.validate(alias: alias)
        do {
            let target = try store.version(model: name, number: number)
            switch target.status {
            case .ready: break
            case .loading where loadedHere: break
            case .loading:
                throw RegistryError(.conflict, "version \(number) of model '\(name)' is still loading; set the alias once it is ready")
            case .failed:
                throw RegistryError(.conflict, "version \(number) of model '\(name)' failed to load (\(target.statusReason)); an alias cannot point at it")
            }
            return try store.setAlias(model: name, alias: alias, version: number, actor: actor)
        } catch {
            throw RegistryError.wrapping(error, context: "")
        }
    }

    /// Removes `alias` from `name`.
    func removeAlias(_ alias: String, model name: String, actor: String? = nil) throws(RegistryError) {
        do {
            try store.deleteAlias(model: name, alias: alias, actor: actor)
            try refresh()
        } catch {
            throw RegistryError.wrapping(error, context: "")
        }
    }

    // MARK: Versions

    /// Deletes a version (and the aliases pointing at it). It leaves the snapshot at once;
    /// requests already running on it finish. Its artifact is removed by the next orphan
    /// cleaning once no version references it.
    func deleteVersion(model name: String, version number: Int64, actor: String? = nil) throws(RegistryError) {
        do {
            let record = try store.version(model: name, number: number)
            // The watched folder owns its versions: deleted here, the next scan would import
            // the file again.
            if record.source.kind == .registry, let root = watchedFolder,
               record.source.location.hasPrefix(root == "/" ? "/" : root + "/"),
               RegistryFiles.stamp(record.source.location) != nil {
                throw RegistryError(.conflict, "version \(number) of model '\(name)' comes from the registry folder (\(record.source.location)); remove its folder there instead")
            }
            try store.deleteVersion(model: name, number: number, actor: actor)
            try refresh()
        } catch {
            throw RegistryError.wrapping(error, context: "")
        }
    }

    /// The watched registry folder, canonical, if any.
    var watchedFolder: String? {
        configuration.registryFolder.flatMap { RegistryFiles.canonicalPath($0) }
    }

    /// The stored record of a version.
    func versionRecord(model name: String, version number: Int64) throws(RegistryError) -> ModelVersion {
        do {
            return try store.version(model: name, number: number)
        } catch {
            throw RegistryError.wrapping(error, context: "")
        }
    }

    // MARK: Load / unload (Triton's model repository extension)

    /// Stops serving `name`: its versions stay stored and listed (`UNAVAILABLE`), requests
    /// for it fail with the reason, in-flight ones finish. In memory only: a restart loads
    /// it again (as Triton does).
    func unload(model name: String) throws(RegistryError) {
        try state.withLock { (state: inout RegistryState) throws(RegistryError) in
            guard state.records?.models[name] != nil else {
                throw RegistryError(.notFound, "model '\(ServingSnapshot.printable(name))' not found")
            }
            state.unload(name)
            _ = publish(&state)
        }
        logger.info("model unloaded", metadata: ["model.name": .string(name)])
    }

    /// Loads `name` (after an unload, or to retry versions that failed) and blocks until its
    /// loads finish, at most `timeout`. Throws when no version of it could be loaded.
    func load(model name: String, timeout: Duration = .seconds(120)) throws(RegistryError) {
        let toLoad = try state.withLock { (state: inout RegistryState) throws(RegistryError) -> [ModelVersion] in
            guard state.records?.models[name] != nil else {
                throw RegistryError(.notFound, "model '\(ServingSnapshot.printable(name))' not found")
            }
            state.reload(name)
            let all = state.versionsToLoad()
            _ = publish(&state)
            return all
        }
        schedule(toLoad)
        let deadline = timeout.deadlineFromNow
        while true {
            let current = cell.load()
            guard let entry = current.models[name] else {
                throw RegistryError(.notFound, "model '\(ServingSnapshot.printable(name))' not found")
            }
            if !entry.versions.contains(where: { $0.state == .loading }) {
                guard entry.versions.isEmpty || entry.latestReady != nil else {
                    let reasons = entry.versions.map { "version \($0.number): \($0.state.reason)" }.joined(separator: "; ")
                    throw RegistryError(.invalidModel, "failed to load model '\(name)': \(reasons)")
                }
                return
            }
            guard cell.waitForChange(after: current.generation, deadline: deadline) || MonotonicClock.now() < deadline else {
                throw RegistryError(.loading, "model '\(name)' is still loading")
            }
        }
    }

    // MARK: Lifecycle

    /// Starts the registry in the background: imports the registry folder, reads the store,
    /// loads every version marked to serve (in parallel), cleans artifact orphans, then
    /// keeps watching the folder and the store. Returns at once; `/health/ready` answers 503
    /// with the reason until the models are loaded.
    func start() {
        let watcher = RegistryWatcher(registry: self)
        self.watcher.withLock { $0 = watcher }
        watcher.start()
    }

    /// Stops watching (tests, shutdown). Loads in flight finish on their own.
    func stop() {
        let watcher = self.watcher.withLock { current -> RegistryWatcher? in
            defer { current = nil }
            return current
        }
        watcher?.stop()
    }

    /// Blocks until the start-up pass is done and nothing is loading, or the timeout.
    /// For tools and tests (`monolith` itself serves while loading).
    @discardableResult
    func waitUntilSettled(timeout: Duration) -> Bool {
        let deadline = timeout.deadlineFromNow
        while true {
            let current = cell.load()
            let busy = state.withLock { !$0.synced || !$0.pending.isEmpty }
            if !busy { return true }
            guard MonotonicClock.now() < deadline else { return false }
            _ = cell.waitForChange(after: current.generation, deadline: deadline)
        }
    }
}

extension Duration {
    /// The duration in nanoseconds, clamped to 0...UInt64.max (deadlines on the monotonic clock).
    var clampedNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0, attoseconds >= 0 || seconds > 0 else { return 0 }
        let (product, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return .max }
        let (sum, overflowed) = product.addingReportingOverflow(UInt64(max(0, attoseconds / 1_000_000_000)))
        return overflowed ? .max : sum
    }

    /// The monotonic-clock instant (nanoseconds) this long from now, saturating.
    var deadlineFromNow: UInt64 {
        let (sum, overflow) = MonotonicClock.now().addingReportingOverflow(clampedNanoseconds)
        return overflow ? .max : sum
    }
}
