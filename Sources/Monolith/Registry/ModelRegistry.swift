import Dispatch
import Glibc
import HTTPKit
import ModelKit
import StoreKitLite
import Synchronization

/// The model registry service: the metadata store and the artifact store behind a serving
/// snapshot that request threads read without a lock.
///
/// - **Resolution** (hot path): `resolve` reads the current `ServingSnapshot` through
///   `ServingSnapshotCell` — no lock, no I/O. `waitForModel` blocks (bounded) while the
///   answer is "loading".
/// - **Changes** (imports, aliases, deletes, load/unload, the folder watcher, writes by
///   another process seen through the store's change counter) commit to the store first,
///   then `refresh` re-reads it, builds a new snapshot and swaps it in. Loading a version
///   (read the artifact, verify its SHA-256, build and validate its `Session`) happens on
///   the loader queue, never on an event loop; the previous snapshot serves meanwhile.
/// - **Retirement**: a version that leaves the snapshot is freed by ARC once the last
///   request holding its `LoadedModel` returns.
///
/// Thread-safe. Mutations of the in-memory state take `state`'s lock briefly (never while
/// loading a model); the store serializes writes itself.
final class ModelRegistry: Sendable {
    /// Registry settings.
    struct Configuration: Sendable {
        /// A folder to import and watch (`--registry`, `MONOLITH_REGISTRY`).
        var registryFolder: String?
        /// How often the folder is scanned (`MONOLITH_POLL_INTERVAL`, default 2 s).
        var pollInterval: Duration = .seconds(2)
        /// How often the store's change counter is checked for writes by other processes
        /// (`monolith import`, `monolith alias`): at most every 500 ms, or the poll interval.
        var storePollInterval: Duration = .milliseconds(500)
        /// How long a request may wait for a loading model (`MONOLITH_LOAD_WAIT`, default 10 s).
        var loadWait: Duration = .seconds(10)
        /// Limits every model is loaded under.
        var modelLimits: ModelLimits = .default
        /// Models loaded at once (default: the online cores).
        var loadParallelism = ModelRegistry.processorCount
        /// A folder file changed less than this long ago waits one more poll before it is
        /// imported (a copy may still be in progress).
        var settleTime: Duration = .seconds(1)
        /// Artifacts no version references are removed once older than this (another process
        /// may have just written one it has not recorded yet).
        var orphanMinimumAgeSeconds: Int64 = 300
        /// Told the outcome of every load (the gateway's load counters).
        var loadObserver: (@Sendable (_ model: String, _ succeeded: Bool) -> Void)?

        init() {}
    }

    let store: MetadataStore
    let artifacts: ArtifactStore
    let configuration: Configuration
    let logger: Logger
    let cell = ServingSnapshotCell()
    let state = Mutex(RegistryState())
    let importer: ModelImporter
    let loadQueue = DispatchQueue(label: "monolith.registry.load", attributes: .concurrent)
    let watcher: Mutex<RegistryWatcher?> = Mutex(nil)

    /// Creates the registry over open stores. Nothing is loaded until `start`.
    init(store: MetadataStore, artifacts: ArtifactStore, configuration: Configuration = Configuration(), logger: Logger) {
        self.store = store
        self.artifacts = artifacts
        self.configuration = configuration
        self.logger = logger
        self.importer = ModelImporter(store: store, artifacts: artifacts, limits: configuration.modelLimits)
    }

    static var processorCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    // MARK: Resolution (hot path: lock-free)

    /// The current serving snapshot (lock-free).
    var snapshot: ServingSnapshot { cell.load() }

    /// Resolves a model name and selector in the current snapshot (PROTOCOLS.md §5). Never
    /// blocks: a version that is loading resolves to `.loading`.
    func resolve(_ name: String, _ selector: VersionSelector = .default) -> ModelResolution {
        cell.load().resolve(name, selector)
    }

    /// Resolves `name` or `name@alias`.
    func resolve(reference: String) -> ModelResolution {
        cell.load().resolve(reference: reference)
    }

    /// Resolves like `resolve`, but while the answer is `.loading` waits for the registry to
    /// publish a change, up to `timeout` (default `MONOLITH_LOAD_WAIT`). Blocks the calling
    /// thread (a condition variable, no spinning): call it from a worker thread, never from
    /// an event loop.
    func waitForModel(_ name: String, _ selector: VersionSelector = .default, timeout: Duration? = nil) -> ModelResolution {
        let deadline = (timeout ?? configuration.loadWait).deadlineFromNow
        while true {
            let current = cell.load()
            let resolution = current.resolve(name, selector)
            guard resolution.isLoading, MonotonicClock.now() < deadline else { return resolution }
            _ = cell.waitForChange(after: current.generation, deadline: deadline)
        }
    }

    /// Readiness (PROTOCOLS.md §1): the store answers and every model marked to load has
    /// loaded. Runs `SELECT 1` on a reader connection (WAL: never blocked by writers).
    func readiness() -> Readiness {
        let current = cell.load().readiness
        do {
            try store.ping()
        } catch {
            return Readiness(isReady: false, reasons: ["database: \(error)"] + current.reasons)
        }
        return current
    }

    // MARK: Refreshing the snapshot

    /// Re-reads the store, publishes a snapshot and starts loading the versions that need
    /// it. Called after every change this process makes and when another process changed
    /// the store.
    @discardableResult
    func refresh() throws(RegistryError) -> ServingSnapshot {
        let records: RegistrySnapshot
        do {
            records = try store.registrySnapshot()
        } catch {
            throw RegistryError.wrapping(error, context: "cannot read the registry")
        }
        return apply(records)
    }

    /// Applies a store read (ignored when an even newer one was applied meanwhile).
    @discardableResult
    func apply(_ records: RegistrySnapshot, markSynced: Bool = false) -> ServingSnapshot {
        let (published, toLoad) = state.withLock { state -> (ServingSnapshot, [ModelVersion]) in
            let applied = state.apply(records)
            let toLoad = applied ? state.versionsToLoad() : []
            if markSynced { state.markStartupRead() }
            return (publish(&state), toLoad)
        }
        schedule(toLoad)
        return published
    }

    /// Builds the snapshot from the state and swaps it in. Call with the state locked.
    func publish(_ state: inout RegistryState) -> ServingSnapshot {
        state.generation += 1
        let next = state.makeSnapshot()
        cell.publish { _ in next }
        return next
    }

    // MARK: Loading

    /// Loads versions on the loader queue, `loadParallelism` at a time; each result is
    /// published as soon as it is known.
    func schedule(_ versions: [ModelVersion]) {
        guard !versions.isEmpty else { return }
        let width = max(1, min(configuration.loadParallelism, versions.count))
        let batches = (0..<width).map { lane in stride(from: lane, to: versions.count, by: width).map { versions[$0] } }
        for batch in batches {
            loadQueue.async { for version in batch { self.loadAndRecord(version) } }
        }
    }

    /// Tells the load observer (the gateway's `/metrics` counters) one load's outcome.
    func reportLoad(model: String, succeeded: Bool) {
        configuration.loadObserver?(model, succeeded)
    }

    /// Loads one version and records the outcome.
    func loadAndRecord(_ version: ModelVersion) {
        // Once the load's parse buffers are freed, hand their pages back (RSS, issue 5's bar).
        defer { ProcessMemory.releaseFreedMemory() }
        let key = VersionKey(version)
        let result = load(version)
        if case .success = result { reportLoad(model: version.modelName, succeeded: true) } else { reportLoad(model: version.modelName, succeeded: false) }
        let live = state.withLock { state -> Bool in
            state.finishPending(key)
            guard state.isLive(key) else { return false }
            switch result {
            case .success(let model): state.setLoaded(key, model)
            case .failure(let error): state.setFailed(key, error.message)
            }
            _ = publish(&state)
            return true
        }
        switch result {
        case .success:
            logger.info("model loaded", metadata: ["model.name": .string(version.modelName), "model.version": .int(Int(truncatingIfNeeded: version.version))])
        case .failure(let error):
            logger.error("model failed to load", metadata: [
                "model.name": .string(version.modelName), "model.version": .int(Int(truncatingIfNeeded: version.version)),
                "error": .string(error.message),
            ])
        }
        // The outcome goes to the store when it differs from what the row says (a version a
        // crash left `loading`, an MLflow create, a retried failure), so that every process
        // and `monolith models` see it.
        guard live else { return }
        do {
            switch result {
            case .success(let model) where version.status != .ready || version.signature == nil:
                let signature = LoadedModel.signatureJSON(inputs: model.inputs, outputs: model.outputs)
                try store.recordLoadOutcome(model: version.modelName, number: version.version, sha256: version.sha256,
                                            signature: signature, status: .ready, reason: "")
            case .failure(let error) where version.status != .ready:
                try store.recordLoadOutcome(model: version.modelName, number: version.version, sha256: version.sha256,
                                            signature: nil, status: .failed, reason: error.message)
            default:
                break
            }
        } catch {
            logger.warning("cannot record a version's status", metadata: ["model.name": .string(version.modelName), "error": .string("\(error)")])
        }
    }

    /// Reads a version's artifact (verifying its SHA-256) and builds its session.
    func load(_ version: ModelVersion) -> Result<LoadedModel, RegistryError> {
        let context = "model '\(version.modelName)' version \(version.version)"
        do {
            guard version.size <= Int64(configuration.modelLimits.maxModelBytes) else {
                throw RegistryError(.tooLarge, "\(context): \(version.size) bytes, above the limit of \(configuration.modelLimits.maxModelBytes)")
            }
            let bytes = try artifacts.read(version.sha256)
            let session = try Session(modelBytes: bytes, limits: configuration.modelLimits)
            let metadata = version.metadata.flatMap { try? JSONParser(options: .init(maxDepth: 32)).parse(Array($0.utf8)) }
            return .success(LoadedModel(name: version.modelName, version: version.version, session: session,
                                        sha256: version.sha256, size: version.size, metadata: metadata, source: version.source))
        } catch {
            return .failure(RegistryError.wrapping(error, context: context))
        }
    }
}

/// Identifies one loaded artifact of one version: a new file under the same number is a
/// different key, so its session is loaded anew.
struct VersionKey: Hashable, Sendable {
    var name: String
    var number: Int64
    var sha256: SHA256Digest

    /// Name, number and the first 8 bytes of the digest: hashing all 32 digest bytes one by
    /// one showed in start-up profiles.
    func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(number)
        var prefix: UInt64 = 0
        for byte in sha256.bytes.prefix(8) { prefix = prefix << 8 | UInt64(byte) }
        hasher.combine(prefix)
    }

    init(name: String, number: Int64, sha256: SHA256Digest) {
        self.name = name
        self.number = number
        self.sha256 = sha256
    }

    init(_ version: ModelVersion) {
        self.init(name: version.modelName, number: version.version, sha256: version.sha256)
    }
}
