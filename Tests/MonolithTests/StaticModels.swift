import HTTPKit
#if canImport(Glibc)
import Glibc
#endif
import ModelKit
import Synchronization
@testable import Monolith

/// An in-memory `ServingModels` for route tests: versions with states and aliases, set by
/// the test. Resolution follows PROTOCOLS.md §5 (production alias, else highest ready;
/// `latest` the highest ready).
final class StaticModels: ServingModels, Sendable {
    struct Entry {
        var version: String
        var state: VersionState
        var reason: String
        var model: ServedModel?
        var sha256 = String(repeating: "0", count: 64)
    }

    private let lock = Mutex<[String: (versions: [Entry], aliases: [String: String])]>([:])
    /// Signalled when a state changes (waiters poll it).
    private let changes = Mutex(0)
    let loadCalls = Mutex<[String]>([])

    init() {}

    /// Adds `version` of `name` with `session`, ready unless `state` says otherwise.
    func add(_ name: String, version: String, session: Session?, state: VersionState = .ready, reason: String = "") {
        let model = session.map { ServedModel(name: name, version: version, session: $0) }
        lock.withLock { models in
            var entry = models[name] ?? ([], [:])
            entry.versions.removeAll { $0.version == version }
            entry.versions.append(Entry(version: version, state: state, reason: reason, model: model))
            entry.versions.sort { (Int($0.version) ?? 0) < (Int($1.version) ?? 0) }
            models[name] = entry
        }
        changes.withLock { $0 += 1 }
    }

    func setState(_ name: String, version: String, _ state: VersionState, reason: String = "") {
        lock.withLock { models in
            guard var entry = models[name], let i = entry.versions.firstIndex(where: { $0.version == version }) else { return }
            entry.versions[i].state = state
            entry.versions[i].reason = reason
            models[name] = entry
        }
        changes.withLock { $0 += 1 }
    }

    func alias(_ name: String, _ alias: String, _ version: String) {
        lock.withLock { $0[name]?.aliases[alias] = version }
    }

    func lookup(_ reference: ModelReference) -> ModelLookup {
        lock.withLock { models in
            guard let entry = models[reference.name] else { return .notFound("model '\(reference.name)' not found") }
            let target: String?
            switch reference.selector {
            case .automatic: target = entry.aliases["production"] ?? entry.versions.last(where: { $0.state == .ready })?.version
                ?? entry.versions.last?.version
            case .version(let v): target = v
            case .alias("latest"): target = entry.versions.last(where: { $0.state == .ready })?.version
            case .alias(let a):
                guard let v = entry.aliases[a] else { return .notFound("model '\(reference.name)' has no alias '\(a)'") }
                target = v
            }
            guard let target, let version = entry.versions.first(where: { $0.version == target }) else {
                return .notFound("model '\(reference.name)' has no version \(target ?? "ready")")
            }
            switch version.state {
            case .ready:
                guard let model = version.model else { return .unavailable("no session") }
                return .ready(model)
            case .loading: return .loading
            case .failed, .unloaded: return .unavailable(version.reason.isEmpty ? version.state.rawValue : version.reason)
            }
        }
    }

    func waitWhileLoading(_ reference: ModelReference, timeout: Duration) -> ModelLookup {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let result = lookup(reference)
            guard case .loading = result, clock.now < deadline else { return result }
            usleepMillis(5)
        }
    }

    func modelNames() -> [String] { lock.withLock { $0.keys.sorted() } }

    func status(of name: String) -> ModelStatus? {
        lock.withLock { models in
            guard let entry = models[name] else { return nil }
            return ModelStatus(
                name: name,
                versions: entry.versions.map { VersionStatus(version: $0.version, state: $0.state, reason: $0.reason) },
                aliases: entry.aliases,
                defaultVersion: entry.aliases["production"] ?? entry.versions.last(where: { $0.state == .ready })?.version)
        }
    }

    func readiness() -> (ready: Bool, reason: String) {
        let loading = lock.withLock { models in
            models.filter { $0.value.versions.contains { $0.state == .loading } }.keys.sorted()
        }
        return loading.isEmpty ? (true, "") : (false, "loading: \(loading.joined(separator: ", "))")
    }

    func load(_ name: String) throws(ServingError) {
        guard status(of: name) != nil else { throw .notFound("model '\(name)' not found") }
        loadCalls.withLock { $0.append("load \(name)") }
        lock.withLock { models in
            guard var entry = models[name] else { return }
            for i in entry.versions.indices where entry.versions[i].state == .unloaded && entry.versions[i].model != nil {
                entry.versions[i].state = .ready
                entry.versions[i].reason = ""
            }
            models[name] = entry
        }
    }

    func unload(_ name: String) throws(ServingError) {
        guard status(of: name) != nil else { throw .notFound("model '\(name)' not found") }
        loadCalls.withLock { $0.append("unload \(name)") }
        lock.withLock { models in
            guard var entry = models[name] else { return }
            for i in entry.versions.indices { entry.versions[i].state = .unloaded; entry.versions[i].reason = "unloaded" }
            models[name] = entry
        }
    }

    func createVersion(name: String, body: ModelUpload) throws(ServingError) -> VersionDetails {
        var bytes: [UInt8] = []
        do {
            while let chunk = try body.read() { bytes += chunk }
        } catch {
            throw .badRequest("upload failed: \(error)")
        }
        let session: Session
        do {
            session = try Session(modelBytes: bytes)
        } catch let error as ModelError {
            throw .badRequest("the file is not a model this server can load: \(error.message)")
        } catch {
            throw .badRequest("\(error)")
        }
        let next = String((status(of: name)?.versions.compactMap { Int($0.version) }.max() ?? 0) + 1)
        add(name, version: next, session: session)
        return try versionDetails(name: name, version: next)
    }

    func versionDetails(name: String, version: String) throws(ServingError) -> VersionDetails {
        let found: (Entry, [String])? = lock.withLock { models in
            guard let entry = models[name], let v = entry.versions.first(where: { $0.version == version }) else { return nil }
            return (v, entry.aliases.filter { $0.value == version }.keys.sorted())
        }
        guard let (entry, aliases) = found else { throw .notFound("model '\(name)' has no version \(version)") }
        return VersionDetails(
            name: name, version: version, state: entry.state, reason: entry.reason, sha256: entry.sha256, sizeBytes: 0,
            inputs: entry.model?.signature.inputs ?? [], outputs: entry.model?.signature.outputs ?? [],
            aliases: aliases, createdAtMillis: 0)
    }

    func deleteVersion(name: String, version: String) throws(ServingError) {
        _ = try versionDetails(name: name, version: version)
        lock.withLock { $0[name]?.versions.removeAll { $0.version == version } }
    }

    func setAlias(name: String, alias: String, version: String) throws(ServingError) -> VersionDetails {
        let details = try versionDetails(name: name, version: version)
        guard details.state == .ready else { throw ServingError(.conflict, "version \(version) is not ready") }
        self.alias(name, alias, version)
        return try versionDetails(name: name, version: version)
    }

    func removeAlias(name: String, alias: String) throws(ServingError) {
        let removed = lock.withLock { $0[name]?.aliases.removeValue(forKey: alias) }
        guard removed != nil else { throw .notFound("model '\(name)' has no alias '\(alias)'") }
    }
}

func usleepMillis(_ ms: Int) {
    var spec = timespec(tv_sec: 0, tv_nsec: ms * 1_000_000)
    nanosleep(&spec, nil)
}
