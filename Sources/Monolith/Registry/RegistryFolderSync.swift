import Dispatch
import HTTPKit
import ModelKit
import StoreKitLite

/// Keeps the store in step with a registry folder (DESIGN.md, issue 4 §4).
///
/// Each pass scans the folder (`RegistryFolderScanner`: stats only), then for every version
/// folder whose model file's stamp moved since the last pass:
/// - reads and hashes it; the same content as the stored version → nothing to do;
/// - a **new** version: loads and validates it, stores the artifact and commits the version
///   under the folder's number (`models/3` is version 3), `ready` — or `failed` with the
///   reason for a broken file (the other versions keep serving);
/// - a **changed** file: loads the new content first; only when it is valid does the
///   version switch to it (the snapshot swaps once it is loaded); an invalid change is
///   logged and the version keeps serving its previous file;
/// - a version folder that disappeared: its version is deleted (it retires once its
///   in-flight requests finish). Only versions imported from this folder are touched:
///   uploads to the same model are never deleted or overwritten.
///
/// A file whose stamp changed less than `settleTime` ago waits one more pass, so a copy in
/// progress is not imported half-written (dropping a version in with `mv` is instant).
/// `latest/` is a pointer: it must duplicate a numbered version (compared by content
/// hash), since `latest` always means the highest ready version (PROTOCOLS.md §5).
///
/// Confined to the watcher's serial queue.
final class RegistryFolderSync {
    private let registry: ModelRegistry
    private var scanner: RegistryFolderScanner
    /// Model files already compared with the store, by location.
    private var known: [String: (stamp: FileStamp, digest: SHA256Digest)] = [:]
    /// What earlier processes recorded (`registry_files`: path, size, mtime → sha256), so a
    /// restart does not read and hash unchanged files again.
    private var persisted: [String: RegistryFileRecord] = [:]
    /// Files hashed in this pass, recorded at its end.
    private var toRecord: [RegistryFileRecord] = []
    /// Files seen changing, waiting to settle.
    private var settling: [String: FileStamp] = [:]
    /// Scan problems already logged (each is logged once while it lasts).
    private var reportedScanProblems: Set<String> = []
    /// Other problems already logged (once each; the set is bounded).
    private var reported: Set<String> = []
    private var lastRootError: String?

    init(registry: ModelRegistry, root: String) throws(RegistryError) {
        self.registry = registry
        self.scanner = try RegistryFolderScanner(root: root)
        let prefix = scanner.root == "/" ? "/" : scanner.root + "/"
        for record in (try? registry.store.registryFiles()) ?? [] where record.path.hasPrefix(prefix) {
            persisted[record.path] = record
        }
    }

    private var logger: Logger { registry.logger }
    private var root: String { scanner.root }

    /// One pass. `initial` (start-up) imports without waiting for files to settle.
    func sync(initial: Bool) {
        let scan: FolderScan
        do {
            scan = try scanner.scan()
            lastRootError = nil
        } catch {
            // Keep serving what is loaded: an unmounted or unreadable folder retires nothing.
            if lastRootError != error.message {
                logger.error("registry folder unreadable", metadata: ["registry.folder": .string(root), "error": .string(error.message)])
                lastRootError = error.message
            }
            return
        }
        report(scan.problems)
        let records: RegistrySnapshot
        do {
            records = try registry.store.registrySnapshot()
        } catch {
            logger.error("cannot read the registry", metadata: ["error": .string("\(error)")])
            return
        }
        let now = RegistryFiles.wallClockNanoseconds()
        let settle = Int64(clamping: registry.configuration.settleTime.clampedNanoseconds)
        var present = Set<String>()
        var candidates: [(FolderVersion, ModelVersion?)] = []
        for version in scan.versions {
            present.insert(FolderSyncKey.make(version.model, version.number))
            let row = records.models[version.model]?.versions.first { $0.version == version.number }
            if let seen = known[version.location], seen.stamp == version.stamp,
               let row, row.sha256 == seen.digest, row.metadata == version.metadata || row.source.kind != .registry {
                continue
            }
            // First sight in this process of a file an earlier one hashed: trust the
            // recorded hash while size and modification time are unchanged.
            if known[version.location] == nil, let record = persisted[version.location],
               record.size == version.stamp.size, record.modifiedNanoseconds == version.stamp.modifiedNanoseconds,
               let row, row.sha256 == record.sha256, row.metadata == version.metadata || row.source.kind != .registry {
                known[version.location] = (version.stamp, record.sha256)
                continue
            }
            if !initial && now &- version.stamp.lastTouchedNanoseconds < settle && settling[version.location] != version.stamp {
                settling[version.location] = version.stamp
                continue
            }
            settling.removeValue(forKey: version.location)
            candidates.append((version, row))
        }
        var changed = false
        let width = max(1, registry.configuration.loadParallelism)
        var start = 0
        while start < candidates.count {
            let chunk = Array(candidates[start..<min(candidates.count, start + 2 * width)])
            start += chunk.count
            var prepared = [FolderAction?](repeating: nil, count: chunk.count)
            prepared.withUnsafeMutableBufferPointer { slots in
                let buffer = UncheckedSendableBuffer(slots)
                let registry = self.registry
                DispatchQueue.concurrentPerform(iterations: chunk.count) { i in
                    buffer.base[i] = RegistryFolderSync.prepare(chunk[i].0, existing: chunk[i].1, registry: registry)
                }
            }
            for (i, action) in prepared.enumerated() {
                if let action { changed = commit(action, chunk[i].0) || changed }
            }
        }
        changed = retire(records, present: present) || changed
        checkLatest(scan)
        recordHashes()
        if changed {
            do { try registry.refresh() } catch {
                logger.error("cannot refresh the registry", metadata: ["error": .string(error.message)])
            }
        }
    }

    // MARK: Preparing (parallel: read, hash, validate, store the artifact)

    private enum FolderAction: Sendable {
        /// The stored version already has this content.
        case unchanged(FileStamp, SHA256Digest)
        /// A new valid version.
        case create(FileStamp, StoredArtifact, Session)
        /// A new broken version: recorded `failed` with the reason.
        case createFailed(FileStamp, StoredArtifact, String)
        /// A changed, valid file for an existing version.
        case replace(FileStamp, StoredArtifact, Session)
        /// A changed file for a version that had failed: still failed, with the new reason.
        case replaceFailed(FileStamp, StoredArtifact, String)
        /// Nothing imported; log why (remembering the content when known).
        case problem(String, FileStamp?, SHA256Digest?)
        /// The file changed while being read: try again next pass.
        case retry
    }

    private static func prepare(_ version: FolderVersion, existing: ModelVersion?, registry: ModelRegistry) -> FolderAction {
        let limits = registry.configuration.modelLimits
        let bytes: [UInt8]
        let stamp: FileStamp
        do {
            (bytes, stamp) = try RegistryFiles.read(version.modelFile, maxBytes: limits.maxModelBytes)
        } catch {
            return .problem("\(version.location): \(error.message); ignored", nil, nil)
        }
        guard stamp == version.stamp else { return .retry }
        let digest = SHA256.hash(bytes)
        if let existing, existing.sha256 == digest, existing.metadata == version.metadata { return .unchanged(stamp, digest) }
        if let existing, existing.source.kind != .registry {
            return .problem("\(version.location): version \(version.number) of '\(version.model)' exists and was not imported from this folder (\(existing.source.kind.rawValue)); the folder's copy is ignored", stamp, digest)
        }
        guard !bytes.isEmpty else {
            return failure(version, existing, stamp, nil, "the model file is empty", registry: registry)
        }
        let session: Session
        do {
            session = try Session(modelBytes: bytes, limits: limits)
        } catch {
            return failure(version, existing, stamp, bytes, RegistryError.wrapping(error, context: "not a model this server can load").message, registry: registry)
        }
        do {
            let artifact = try registry.artifacts.put(bytes)
            return existing == nil ? .create(stamp, artifact, session) : .replace(stamp, artifact, session)
        } catch {
            return .problem("\(version.location): cannot store it: \(error)", nil, nil)
        }
    }

    private static func failure(_ version: FolderVersion, _ existing: ModelVersion?, _ stamp: FileStamp, _ bytes: [UInt8]?,
                                _ reason: String, registry: ModelRegistry) -> FolderAction {
        if let existing, existing.status != .failed {
            return .problem("\(version.location): the changed file is invalid (\(reason)); version \(version.number) keeps serving its previous file", stamp, nil)
        }
        do {
            let artifact = try registry.artifacts.put(bytes ?? [])
            return existing == nil ? .createFailed(stamp, artifact, reason) : .replaceFailed(stamp, artifact, reason)
        } catch {
            return .problem("\(version.location): cannot store it: \(error)", nil, nil)
        }
    }

    // MARK: Committing (serial: store rows)

    /// Applies one prepared action; returns whether the store changed.
    private func commit(_ action: FolderAction, _ version: FolderVersion) -> Bool {
        let source = VersionSource(kind: .registry, location: version.location)
        do {
            switch action {
            case .retry:
                return false
            case .unchanged(let stamp, let digest):
                remember(version.location, stamp, digest)
                return false
            case .problem(let message, let stamp, let digest):
                if let stamp, let digest { remember(version.location, stamp, digest) }
                reportOnce(message)
                return false
            case .create(let stamp, let artifact, let session), .replace(let stamp, let artifact, let session):
                let signature = LoadedModel.signatureJSON(inputs: session.inputs, outputs: session.outputs)
                let record: ModelVersion
                if case .create = action {
                    record = try registry.store.createVersion(model: version.model, NewModelVersion(
                        artifact: artifact, source: source, signature: signature, metadata: version.metadata,
                        status: .ready, number: version.number))
                } else {
                    record = try registry.store.replaceArtifact(
                        model: version.model, number: version.number, artifact: artifact, source: source,
                        signature: signature, metadata: version.metadata, status: .ready, reason: "")
                }
                let metadata = version.metadata.flatMap { try? JSONParser(options: .init(maxDepth: 32)).parse(Array($0.utf8)) }
                let model = LoadedModel(name: version.model, version: version.number, session: session, sha256: artifact.digest,
                                        size: artifact.size, metadata: metadata, source: source)
                registry.state.withLock { $0.setLoaded(VersionKey(record), model) }
                registry.reportLoad(model: version.model, succeeded: true)
                remember(version.location, stamp, artifact.digest)
                logger.info("registry folder version imported", metadata: [
                    "model.name": .string(version.model), "model.version": .int(Int(truncatingIfNeeded: version.number)),
                    "model.sha256": .string(artifact.digest.hex), "registry.file": .string(version.location),
                ])
                return true
            case .createFailed(let stamp, let artifact, let reason), .replaceFailed(let stamp, let artifact, let reason):
                if case .createFailed = action {
                    _ = try registry.store.createVersion(model: version.model, NewModelVersion(
                        artifact: artifact, source: source, metadata: version.metadata, status: .failed, number: version.number))
                }
                let record = try registry.store.replaceArtifact(
                    model: version.model, number: version.number, artifact: artifact, source: source,
                    signature: nil, metadata: version.metadata, status: .failed, reason: reason)
                // Just validated: no need to try it again in this process.
                registry.state.withLock { $0.markRetried(VersionKey(record)) }
                registry.reportLoad(model: version.model, succeeded: false)
                remember(version.location, stamp, artifact.digest)
                logger.error("registry folder version failed", metadata: [
                    "model.name": .string(version.model), "model.version": .int(Int(truncatingIfNeeded: version.number)),
                    "registry.file": .string(version.location), "error": .string(reason),
                ])
                return true
            }
        } catch {
            reportOnce("\(version.location): cannot record version \(version.number) of '\(version.model)': \(error)")
            return false
        }
    }

    /// Deletes the versions imported from this folder whose folder is gone.
    private func retire(_ records: RegistrySnapshot, present: Set<String>) -> Bool {
        var changed = false
        let prefix = root == "/" ? "/" : root + "/"
        for (name, entry) in records.models {
            for version in entry.versions where version.source.kind == .registry && version.source.location.hasPrefix(prefix) {
                guard !present.contains(FolderSyncKey.make(name, version.version)) else { continue }
                do {
                    try registry.store.deleteVersion(model: name, number: version.version)
                    known.removeValue(forKey: version.source.location)
                    if persisted.removeValue(forKey: version.source.location) != nil {
                        try? registry.store.forgetRegistryFiles(paths: [version.source.location])
                    }
                    changed = true
                    logger.info("registry folder version removed", metadata: [
                        "model.name": .string(name), "model.version": .int(Int(truncatingIfNeeded: version.version)),
                    ])
                } catch {
                    reportOnce("cannot remove version \(version.version) of '\(name)': \(error)")
                }
            }
        }
        return changed
    }

    // MARK: Hash records

    private func remember(_ location: String, _ stamp: FileStamp, _ digest: SHA256Digest) {
        known[location] = (stamp, digest)
        if let record = persisted[location], record.size == stamp.size, record.modifiedNanoseconds == stamp.modifiedNanoseconds,
           record.sha256 == digest { return }
        toRecord.append(RegistryFileRecord(path: location, size: stamp.size, modifiedNanoseconds: stamp.modifiedNanoseconds, sha256: digest))
    }

    /// Stores the hashes of this pass (one transaction).
    private func recordHashes() {
        guard !toRecord.isEmpty else { return }
        do {
            try registry.store.recordRegistryFiles(toRecord)
            for record in toRecord { persisted[record.path] = record }
        } catch {
            logger.warning("cannot record registry file hashes", metadata: ["error": .string("\(error)")])
        }
        toRecord.removeAll()
    }

    // MARK: latest/ and problems

    private var latestSeen: [String: (stamp: FileStamp, digest: SHA256Digest?)] = [:]

    /// Checks that each `latest/` duplicates a numbered version of its model.
    private func checkLatest(_ scan: FolderScan) {
        for latest in scan.latest {
            var digest: SHA256Digest?
            if let seen = latestSeen[latest.modelFile], seen.stamp == latest.stamp {
                digest = seen.digest
            } else {
                digest = (try? RegistryFiles.read(latest.modelFile, maxBytes: registry.configuration.modelLimits.maxModelBytes)).map { SHA256.hash($0.bytes) }
                latestSeen[latest.modelFile] = (latest.stamp, digest)
            }
            let versions = scan.versions.filter { $0.model == latest.model }
            let match = versions.first { known[$0.location]?.digest == digest && digest != nil }
            if match == nil {
                reportOnce("\(root)/latest: its model.onnx duplicates no numbered version of '\(latest.model)'; ignored ('latest' always means the highest ready version)")
            }
        }
    }

    private func report(_ problems: [String]) {
        let current = Set(problems)
        for problem in problems where !reportedScanProblems.contains(problem) { warn(problem) }
        reportedScanProblems = current
    }

    private func reportOnce(_ message: String) {
        if reported.count >= 10_000 { reported.removeAll() }
        guard reported.insert(message).inserted else { return }
        warn(message)
    }

    private func warn(_ message: String) {
        logger.warning("registry folder entry skipped", metadata: ["registry.folder": .string(root), "reason": .string(message)])
    }
}

/// `model` + number as one set key.
private enum FolderSyncKey {
    static func make(_ model: String, _ number: Int64) -> String { "\(model)\u{0}\(number)" }
}

/// Lets `concurrentPerform` iterations write disjoint slots of one buffer.
private struct UncheckedSendableBuffer<Element>: @unchecked Sendable {
    let base: UnsafeMutableBufferPointer<Element>
    init(_ base: UnsafeMutableBufferPointer<Element>) { self.base = base }
}
