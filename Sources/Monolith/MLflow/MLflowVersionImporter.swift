import Dispatch
import HTTPKit
import ModelKit
import StoreKitLite
import Synchronization

/// Creates MLflow model versions and imports their sources into the registry, off the
/// request (the MLflow client polls `model-versions/get` until the status leaves
/// PENDING_REGISTRATION).
///
/// A version is recorded at once, as a record-only row (`ModelVersion.recordOnlyFormat`, the
/// empty artifact) with status `loading`: that row reserves its number, answers
/// PENDING_REGISTRATION, and is never loaded or served. The import then runs on one serial
/// queue: read the source (`MLflowSourcePolicy`), validate it as a model (ModelKit
/// `Session`, the same check an upload passes), store the file durably, and switch the row to
/// the ONNX artifact, `ready` (READY), in one transaction; the registry adopts the session
/// already loaded, so the version serves at once. Any failure leaves the row record-only
/// with status `failed` (FAILED_REGISTRATION) and the reason as its status message — a
/// version that never had a model file never affects serving or readiness.
///
/// Sources the server cannot fetch (`s3://`, `mlflow-artifacts:/`, `models:/`…) are recorded
/// FAILED_REGISTRATION at once: never a fake READY. After a restart, versions left pending
/// are imported again (`resume`).
final class MLflowVersionImporter: Sendable {
    let registry: ModelRegistry
    let sources: MLflowSourcePolicy
    let logger: Logger
    private let queue = DispatchQueue(label: "monolith.mlflow.import")
    private let queued = Atomic<Int>(0)

    init(registry: ModelRegistry, sourceRoot: String?, logger: Logger) {
        self.registry = registry
        self.sources = MLflowSourcePolicy(root: sourceRoot)
        self.logger = logger
    }

    var store: MetadataStore { registry.store }

    /// Imports not finished yet (queued or running).
    var pendingImports: Int { queued.load(ordering: .acquiring) }

    /// What `model-versions/create` carries besides the model name and source.
    struct Details: Sendable {
        var runID: String?
        var runLink: String?
        var description = ""
        var tags: [String: String] = [:]
        var userID: String?
    }

    /// Records a new version of the existing model `name` for `source` and schedules its
    /// import. Throws INVALID_PARAMETER_VALUE (nothing recorded) for a malformed or forbidden
    /// source, RESOURCE_DOES_NOT_EXIST for an unknown model.
    func createVersion(name: String, source: String, details: Details, actor: String?) throws -> ModelVersion {
        _ = try store.model(named: name)
        let classified = try sources.classify(source, store: store)
        let empty = try registry.artifacts.put([])
        var record = try store.createVersion(model: name, NewModelVersion(
            artifact: empty, format: ModelVersion.recordOnlyFormat, source: VersionSource(kind: .mlflow, location: source),
            runID: details.runID, runLink: details.runLink, userID: details.userID, description: details.description,
            tags: details.tags, status: .loading), createModelIfMissing: false, actor: actor)
        switch classified {
        case .unavailable(let reason):
            record = try store.setVersionStatus(model: name, number: record.version, status: .failed, reason: reason, actor: actor)
        case .local, .registered:
            schedule(name: name, number: record.version, source: classified)
        }
        return record
    }

    /// Schedules again the imports a stop or crash interrupted (record-only MLflow versions
    /// still `loading`). Call once at start.
    func resume() {
        if let root = sources.root, sources.canonicalRoot == nil {
            logger.warning("MLflow source root is not an existing folder: local model sources will fail until it exists",
                           metadata: ["mlflow.source_root": .string(root)])
        }
        let interrupted: [ModelVersion]
        do {
            interrupted = try store.versions(withStatus: .loading).filter { $0.isRecordOnly && $0.source.kind == .mlflow }
        } catch {
            logger.error("cannot list pending MLflow imports", metadata: ["error": .string("\(error)")])
            return
        }
        for version in interrupted {
            do {
                let classified = try sources.classify(version.source.location, store: store)
                switch classified {
                case .local, .registered:
                    schedule(name: version.modelName, number: version.version, source: classified)
                case .unavailable(let reason):
                    fail(version.modelName, version.version, reason)
                }
            } catch {
                fail(version.modelName, version.version, MLflowError.wrapping(error)?.message ?? "\(error)")
            }
        }
    }

    /// Blocks until every scheduled import has finished, at most `timeout` (tests, tools).
    @discardableResult
    func waitUntilIdle(timeout: Duration) -> Bool {
        let deadline = timeout.deadlineFromNow
        while pendingImports > 0 {
            guard MonotonicClock.now() < deadline else { return false }
            let done = DispatchSemaphore(value: 0)
            queue.async { done.signal() }
            _ = done.wait(timeout: .now() + .milliseconds(50))
        }
        return true
    }

    // MARK: The import

    private func schedule(name: String, number: Int64, source: MLflowSource) {
        queued.add(1, ordering: .acquiringAndReleasing)
        queue.async {
            defer { self.queued.subtract(1, ordering: .acquiringAndReleasing) }
            self.importVersion(name: name, number: number, source: source)
        }
    }

    /// The bytes of a local file or of a registered version's stored file (hash verified).
    private func read(_ source: MLflowSource, maxBytes: Int) throws(MLflowSourcePolicy.ReadFailure) -> (bytes: [UInt8], file: String) {
        switch source {
        case .local(let path):
            return try sources.readModel(at: path, maxBytes: maxBytes)
        case .registered(let name, let version):
            do {
                let record = try store.version(model: name, number: version)
                guard !record.isRecordOnly, record.status == .ready else {
                    throw MLflowSourcePolicy.ReadFailure("version \(version) of model '\(name)' is \(MLflowJSON.status(record.status)), not READY: there is no model file to copy")
                }
                guard record.size <= Int64(maxBytes) else {
                    throw MLflowSourcePolicy.ReadFailure("version \(version) of model '\(name)' is \(record.size) bytes, above the limit of \(maxBytes)")
                }
                return (try registry.artifacts.read(record.sha256), "models:/\(name)/\(version)")
            } catch let failure as MLflowSourcePolicy.ReadFailure {
                throw failure
            } catch {
                throw MLflowSourcePolicy.ReadFailure(MLflowError.wrapping(error)?.message ?? "cannot read version \(version) of model '\(name)': \(error)")
            }
        case .unavailable(let reason):
            throw MLflowSourcePolicy.ReadFailure(reason)
        }
    }

    private func importVersion(name: String, number: Int64, source: MLflowSource) {
        let context = "model '\(name)' version \(number)"
        let limits = registry.configuration.modelLimits
        let bytes: [UInt8]
        let file: String
        do {
            (bytes, file) = try read(source, maxBytes: limits.maxModelBytes)
        } catch {
            return fail(name, number, error.message, load: true)
        }
        let session: Session
        do {
            session = try Session(modelBytes: bytes, limits: limits)
        } catch {
            return fail(name, number, RegistryError.wrapping(error, context: "\(file) is not a model this server can load").message, load: true)
        }
        do {
            let artifact = try registry.artifacts.put(bytes)
            let current = try store.version(model: name, number: number)
            guard current.isRecordOnly, current.status == .loading else { return }
            let record = try store.replaceArtifact(
                model: name, number: number, artifact: artifact, source: current.source,
                signature: LoadedModel.signatureJSON(inputs: session.inputs, outputs: session.outputs),
                metadata: nil, status: .ready, reason: "", format: "onnx")
            let model = LoadedModel(name: name, version: number, session: session, sha256: artifact.digest,
                                    size: artifact.size, metadata: nil, source: record.source)
            registry.adopt(ImportedVersion(record: record, model: model))
            logger.info("MLflow model version imported", metadata: [
                "model.name": .string(name), "model.version": .int(Int(truncatingIfNeeded: number)),
                "model.sha256": .string(artifact.digest.hex), "mlflow.source": .string(record.source.location),
            ])
        } catch let error as StoreError where error.code == .notFound {
            // Deleted while importing: nothing to record.
            logger.info("MLflow model version deleted during its import", metadata: ["model.name": .string(name)])
        } catch {
            fail(name, number, RegistryError.wrapping(error, context: "cannot store \(context)").message, load: true)
        }
    }

    /// Records the version FAILED_REGISTRATION with `reason`; `load` counts it as a failed
    /// model load (`/metrics`) when a file was tried.
    private func fail(_ name: String, _ number: Int64, _ reason: String, load: Bool = false) {
        if load { registry.reportLoad(model: name, succeeded: false) }
        let reason = reason.utf8.count > 4000 ? String(reason.prefix(1000)) + "…" : reason
        logger.warning("MLflow model version failed to register", metadata: [
            "model.name": .string(name), "model.version": .int(Int(truncatingIfNeeded: number)), "error": .string(reason),
        ])
        do {
            try store.setVersionStatus(model: name, number: number, status: .failed, reason: reason)
        } catch let error as StoreError where error.code == .notFound {
            return
        } catch {
            logger.error("cannot record an MLflow version's failure", metadata: ["model.name": .string(name), "error": .string("\(error)")])
        }
    }
}
