import Dispatch
import HTTPKit
import StoreKitLite
import Synchronization

/// The registry's background work, on one serial queue: the start-up pass, then polling.
///
/// Start-up: import the registry folder (new and changed files only), read the store, load
/// every version marked to serve (the loader runs them in parallel), then clean artifact
/// orphans. Versions a crash left `loading` are loaded like the others and get their
/// outcome recorded. Then, until `stop`:
/// - every `storePollInterval` (500 ms): the store's registry change counter — one indexed
///   read — and a refresh when another process (`monolith import`, `monolith alias`)
///   changed it;
/// - every `pollInterval` (2 s): a folder scan that stats files and hashes only those whose
///   stamp moved;
/// - every 10 minutes: orphan cleaning (blobs of deleted versions).
final class RegistryWatcher: @unchecked Sendable {
    // @unchecked: `folder` is touched only on `queue` (the serial queue of `run`).
    private let registry: ModelRegistry
    private let queue = DispatchQueue(label: "monolith.registry.watch")
    private let wake = DispatchSemaphore(value: 0)
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private var folder: RegistryFolderSync?

    init(registry: ModelRegistry) {
        self.registry = registry
    }

    func start() {
        queue.async { self.run() }
    }

    /// Stops polling and waits (up to 30 s) for a scan in progress to finish.
    func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        wake.signal()
        _ = finished.wait(timeout: .now() + .seconds(30))
    }

    private var logger: Logger { registry.logger }

    private func run() {
        defer { finished.signal() }
        startupPass()
        ProcessMemory.releaseFreedMemory()
        let configuration = registry.configuration
        let tick = min(configuration.storePollInterval, configuration.pollInterval)
        var nextFolderScan = MonotonicClock.now() &+ configuration.pollInterval.clampedNanoseconds
        var nextCleaning = MonotonicClock.now() &+ 600_000_000_000
        while !stopped.load(ordering: .acquiring) {
            if wake.wait(timeout: .now() + .nanoseconds(Int(min(tick.clampedNanoseconds, 3_600_000_000_000)))) == .success { break }
            if stopped.load(ordering: .acquiring) { break }
            checkStore()
            let now = MonotonicClock.now()
            if let folder, now >= nextFolderScan {
                folder.sync(initial: false)
                ProcessMemory.releaseFreedMemory()
                nextFolderScan = MonotonicClock.now() &+ configuration.pollInterval.clampedNanoseconds
            }
            if now >= nextCleaning {
                cleanOrphans()
                nextCleaning = now &+ 600_000_000_000
            }
        }
    }

    private func startupPass() {
        let started = MonotonicClock.now()
        if let path = registry.configuration.registryFolder {
            do {
                let sync = try RegistryFolderSync(registry: registry, root: path)
                folder = sync
                sync.sync(initial: true)
            } catch {
                logger.error("registry folder unusable", metadata: ["registry.folder": .string(path), "error": .string(error.message)])
            }
        }
        // The first store read marks the registry synced; retried every tick until it works.
        while !stopped.load(ordering: .acquiring) {
            do {
                let records = try registry.store.registrySnapshot()
                let snapshot = registry.apply(records, markSynced: true)
                logger.info("registry started", metadata: [
                    "registry.models": .int(snapshot.models.count),
                    "registry.versions": .int(snapshot.models.values.reduce(0) { $0 + $1.versions.count }),
                    "registry.scan_ms": .int(Int((MonotonicClock.now() &- started) / 1_000_000)),
                ])
                break
            } catch {
                logger.error("cannot read the registry", metadata: ["error": .string("\(error)")])
                if wake.wait(timeout: .now() + .seconds(1)) == .success { return }
            }
        }
        cleanOrphans()
    }

    /// Refreshes when another process changed the registry.
    private func checkStore() {
        do {
            let generation = try registry.store.generation(.registry)
            let known = registry.state.withLock { $0.records?.generation }
            if known != generation { try registry.refresh() }
        } catch {
            logger.warning("cannot poll the registry", metadata: ["error": .string("\(error)")])
        }
    }

    /// Removes artifacts no version references, and temporary files of interrupted writes,
    /// older than the configured age (another process may be between its write and its row).
    private func cleanOrphans() {
        guard !registry.artifacts.configuration.readOnly else { return }
        do {
            let referenced = try registry.store.referencedDigests()
            let report = try registry.artifacts.cleanOrphans(keeping: referenced, minimumAgeSeconds: registry.configuration.orphanMinimumAgeSeconds)
            if report.blobs > 0 || report.temporaryFiles > 0 {
                logger.info("artifact orphans removed", metadata: [
                    "artifacts.blobs": .int(report.blobs), "artifacts.temporary_files": .int(report.temporaryFiles),
                    "artifacts.bytes": .int(Int(truncatingIfNeeded: report.bytes)),
                ])
            }
        } catch {
            logger.warning("cannot clean artifact orphans", metadata: ["error": .string("\(error)")])
        }
    }
}
