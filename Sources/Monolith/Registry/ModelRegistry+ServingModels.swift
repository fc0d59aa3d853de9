import HTTPKit
import ModelKit
import StoreKitLite

/// The registry as the serving routes see it (`ServingModels`, Sources/Monolith/Serving).
///
/// `lookup` is the hot path: one lock-free snapshot read and a dictionary lookup; the
/// `ServedModel` it returns was built once, when the version loaded. Everything else may
/// block (store reads and writes, loads) and is called from offloaded routes.
extension ModelRegistry: ServingModels {
    func lookup(_ reference: ModelReference) -> ModelLookup {
        guard let selector = ModelRegistry.selector(reference.selector) else {
            return .notFound(ModelRegistry.noSuchVersion(reference))
        }
        return ModelRegistry.lookup(resolve(reference.name, selector))
    }

    func waitWhileLoading(_ reference: ModelReference, timeout: Duration) -> ModelLookup {
        guard let selector = ModelRegistry.selector(reference.selector) else {
            return .notFound(ModelRegistry.noSuchVersion(reference))
        }
        return ModelRegistry.lookup(waitForModel(reference.name, selector, timeout: timeout))
    }

    func modelNames() -> [String] {
        snapshot.names
    }

    var anyLoading: Bool {
        snapshot.anyLoading
    }

    func status(of name: String) -> ModelStatus? {
        let current = snapshot
        guard let entry = current.models[name] else { return nil }
        let versions = entry.versions.map { VersionStatus(version: String($0.number), state: ModelRegistry.state($0.state), reason: $0.state.reason) }
        let aliases = entry.aliases.mapValues { String($0) }
        return ModelStatus(name: name, versions: versions, aliases: aliases, defaultVersion: entry.resolve(.default).readyModel?.versionString)
    }

    func readiness() -> (ready: Bool, reason: String) {
        let result: Readiness = readiness()
        return (result.isReady, result.reason)
    }

    func load(_ name: String) throws(ServingError) {
        do { try load(model: name) } catch { throw ModelRegistry.servingError(error) }
    }

    func unload(_ name: String) throws(ServingError) {
        do { try unload(model: name) } catch { throw ModelRegistry.servingError(error) }
    }

    func createVersion(name: String, body: ModelUpload) throws(ServingError) -> VersionDetails {
        let imported: ImportedVersion
        do {
            imported = try importModel(ModelImportRequest(name: name, source: VersionSource(kind: .upload, location: "http")), read: body.read)
        } catch {
            throw ModelRegistry.servingError(error)
        }
        return details(imported.record)
    }

    func versionDetails(name: String, version: String) throws(ServingError) -> VersionDetails {
        guard let number = ModelRegistry.versionNumber(version) else {
            throw .notFound("model '\(ServingSnapshot.printable(name))' has no version '\(ServingSnapshot.printable(version))'")
        }
        do { return details(try versionRecord(model: name, version: number)) } catch { throw ModelRegistry.servingError(error) }
    }

    func deleteVersion(name: String, version: String) throws(ServingError) {
        let record: ModelVersion
        do {
            guard let number = ModelRegistry.versionNumber(version) else { throw RegistryError(.notFound, "model '\(name)' has no version '\(ServingSnapshot.printable(version))'") }
            record = try versionRecord(model: name, version: number)
            // The management API refuses to drop aliases silently: move or remove them first.
            guard record.aliases.isEmpty else {
                throw RegistryError(.conflict, "version \(number) of model '\(name)' is behind alias(es) \(record.aliases.joined(separator: ", ")); move or remove them first")
            }
            try deleteVersion(model: name, version: number)
        } catch {
            throw ModelRegistry.servingError(error)
        }
    }

    func setAlias(name: String, alias: String, version: String) throws(ServingError) -> VersionDetails {
        do {
            guard let number = ModelRegistry.versionNumber(version) else { throw RegistryError(.notFound, "model '\(name)' has no version '\(ServingSnapshot.printable(version))'") }
            return details(try setAlias(alias, model: name, version: number))
        } catch {
            throw ModelRegistry.servingError(error)
        }
    }

    func removeAlias(name: String, alias: String) throws(ServingError) {
        do { try removeAlias(alias, model: name) } catch { throw ModelRegistry.servingError(error) }
    }

    // MARK: Mapping

    /// The serving routes' selector as the registry's; nil for a version that is not a number.
    static func selector(_ selector: ModelReference.Selector) -> VersionSelector? {
        switch selector {
        case .automatic: return .default
        case .alias(let alias): return alias.lowercased() == "latest" ? .latest : .alias(alias)
        case .version(let text): return versionNumber(text).map { .version($0) }
        }
    }

    /// `3` → 3 (TF Serving and V2 send versions as decimal strings).
    static func versionNumber(_ text: String) -> Int64? {
        guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int64(text)
    }

    static func noSuchVersion(_ reference: ModelReference) -> String {
        "model '\(ServingSnapshot.printable(reference.name))' has no version \(ServingSnapshot.printable(reference.description))"
    }

    static func lookup(_ resolution: ModelResolution) -> ModelLookup {
        switch resolution {
        case .ready(let model): return .ready(model.served)
        case .loading: return .loading
        case .failed(_, _, let reason): return .unavailable(reason)
        case .notFound(let message): return .notFound(message)
        }
    }

    static func state(_ state: ServingState) -> VersionState {
        switch state {
        case .loading: return .loading
        case .ready: return .ready
        case .failed: return .failed
        case .unloaded: return .unloaded
        }
    }

    /// A registry error (or an upload reader's error) as the serving routes' error.
    static func servingError(_ error: any Error) -> ServingError {
        switch error {
        case let e as ServingError:
            return e
        case let e as RegistryError:
            switch e.kind {
            case .notFound: return ServingError(.notFound, e.message)
            case .invalidModel, .invalidArgument: return ServingError(.badRequest, e.message)
            case .tooLarge: return ServingError(.contentTooLarge, e.message)
            case .conflict, .readOnly: return ServingError(.conflict, e.message)
            case .loading, .unavailable: return ServingError(.unavailable, e.message)
            default: return ServingError(.internal, e.message)
            }
        case let e as any HTTPResponseError:
            return ServingError(e.status == .contentTooLarge ? .contentTooLarge : .badRequest, e.message)
        default:
            return ServingError(.internal, "\(error)")
        }
    }

    /// A version's details: the stored record with the snapshot's state; the signature of
    /// the loaded session, else the stored one.
    func details(_ record: ModelVersion) -> VersionDetails {
        let served = snapshot.models[record.modelName]?.version(record.version)
        let state = served.map { ModelRegistry.state($0.state) } ?? ModelRegistry.state(record.status)
        let reason = served?.state.reason ?? record.statusReason
        var inputs: [TensorSignature] = []
        var outputs: [TensorSignature] = []
        if let model = served?.model {
            inputs = model.served.signature.inputs
            outputs = model.served.signature.outputs
        } else if let text = record.signature {
            (inputs, outputs) = ModelRegistry.decodeSignature(text)
        }
        return VersionDetails(name: record.modelName, version: String(record.version), state: state, reason: reason,
                              sha256: record.sha256.hex, sizeBytes: Int(clamping: record.size), inputs: inputs, outputs: outputs,
                              aliases: record.aliases, createdAtMillis: record.createdAt)
    }

    static func state(_ status: StoredVersionStatus) -> VersionState {
        switch status {
        case .loading: return .loading
        case .ready: return .ready
        case .failed: return .failed
        }
    }

    /// Reads a stored signature (`LoadedModel.signatureJSON`); unknown entries are skipped.
    static func decodeSignature(_ text: String) -> (inputs: [TensorSignature], outputs: [TensorSignature]) {
        guard let root = try? JSONParser(options: .init(maxDepth: 8)).parse(Array(text.utf8)) else { return ([], []) }
        func list(_ key: String) -> [TensorSignature] {
            (root[key]?.array ?? []).compactMap { entry in
                guard let name = entry["name"]?.string, let datatype = entry["datatype"]?.string,
                      let type = DataType(v2Name: datatype) ?? DataType.allCases.first(where: { $0.onnxName.uppercased() == datatype })
                else { return nil }
                let shape = entry["shape"]?.array?.compactMap { $0.int64.map { Int(clamping: $0) } }
                let isMaps = entry["type"]?.string?.hasPrefix("seq(map") == true
                return TensorSignature(name: name, dataType: type, shape: isMaps ? [-1, -1] : shape, isSequenceOfMaps: isMaps)
            }
        }
        return (list("inputs"), list("outputs"))
    }
}

extension ModelResolution {
    /// The model when ready.
    var readyModel: LoadedModel? {
        if case .ready(let model) = self { return model }
        return nil
    }
}

extension Application {
    /// What the serving routes share, over this application's registry and store.
    func servingEnvironment(defaultModel: String?) -> ServingEnvironment {
        let store = self.store
        return ServingEnvironment(models: registry, loadWait: configuration.loadWait, defaultModel: defaultModel) {
            do {
                try store.ping()
                return nil
            } catch {
                return "\(error)"
            }
        }
    }
}
