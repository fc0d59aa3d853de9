import Synchronization
import Testing
@testable import StoreKitLite

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let value = Mutex<Int64>(1_700_000_000_000)
    func now() -> Int64 { value.withLock { $0 += 1; return $0 } }
}

/// A metadata store and an artifact store in a temporary directory.
final class Fixture {
    let dir: TemporaryDirectory
    let store: MetadataStore
    let artifacts: ArtifactStore
    let clock = TestClock()

    init() throws {
        dir = try TemporaryDirectory()
        var configuration = MetadataStore.Configuration()
        let clock = self.clock
        configuration.clock = { clock.now() }
        store = try MetadataStore(path: dir.file("monolith.sqlite"), configuration: configuration)
        artifacts = try ArtifactStore(directory: dir.file("artifacts"))
    }

    /// Stores distinct content and records it as a new version.
    @discardableResult
    func addVersion(_ model: String, seed: Int, status: VersionStatus = .ready, number: Int64? = nil,
                    metadata: String? = nil) throws -> ModelVersion {
        let artifact = try artifacts.put(Array("model \(model) \(seed)".utf8))
        return try store.createVersion(model: model, NewModelVersion(
            artifact: artifact, source: VersionSource(kind: .upload, location: "model.onnx"),
            signature: #"{"inputs":[{"name":"x","datatype":"FP32","shape":[-1,4]}]}"#,
            metadata: metadata, status: status, number: number))
    }
}

@Suite struct MetadataStoreTests {
    @Test func versionNumbersIncreaseAndAreNeverReused() throws {
        let f = try Fixture()
        #expect(try f.addVersion("iris", seed: 1).version == 1)
        #expect(try f.addVersion("iris", seed: 2).version == 2)
        #expect(try f.addVersion("iris", seed: 3).version == 3)
        #expect(try f.addVersion("other", seed: 1).version == 1)
        try f.store.deleteVersion(model: "iris", number: 3)
        #expect(try f.addVersion("iris", seed: 4).version == 4)
        #expect(try f.addVersion("iris", seed: 5, number: 10).version == 10)
        #expect(try f.addVersion("iris", seed: 6).version == 11)
        let taken = #expect(throws: StoreError.self) { try f.addVersion("iris", seed: 7, number: 2) }
        #expect(taken?.code == .alreadyExists)
        let zero = #expect(throws: StoreError.self) { try f.addVersion("iris", seed: 8, number: 0) }
        #expect(zero?.code == .invalidArgument)
        #expect(try f.store.versions(of: "iris").map(\.version) == [1, 2, 4, 10, 11])
    }

    @Test func versionRecordsKeepWhatWasGiven() throws {
        let f = try Fixture()
        let metadata = #"{"metrics":{"accuracy":0.97},"params":{"C":1.0},"trained_at":"2024-05-01"}"#
        let created = try f.addVersion("iris", seed: 1, status: .loading, metadata: metadata)
        let read = try f.store.version(model: "iris", number: 1)
        #expect(read == created)
        #expect(read.metadata == metadata)
        #expect(read.sha256 == SHA256.hash(Array("model iris 1".utf8)))
        #expect(read.size == Int64("model iris 1".utf8.count))
        #expect(read.format == "onnx")
        #expect(read.source == VersionSource(kind: .upload, location: "model.onnx"))
        #expect(read.status == .loading)
        #expect(read.stage == .none)
        #expect(read.createdAt > 0 && read.updatedAt == read.createdAt)
    }

    @Test func unknownModelWithoutAutoCreateIsNotFound() throws {
        let f = try Fixture()
        let artifact = try f.artifacts.put([1, 2, 3])
        let error = #expect(throws: StoreError.self) {
            try f.store.createVersion(model: "ghost", NewModelVersion(artifact: artifact, source: VersionSource(kind: .upload, location: "")),
                                      createModelIfMissing: false)
        }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains("ghost") == true)
    }

    @Test func hostileNamesAndJSONAreRefused() throws {
        let f = try Fixture()
        for name in ["", "../etc", "a/b", "a@b", "a:predict", ".hidden", "a b", String(repeating: "x", count: 300), "é"] {
            let error = #expect(throws: StoreError.self) { _ = try f.store.createModel(name: name) }
            #expect(error?.code == .invalidArgument, "\(name)")
        }
        let bad = #expect(throws: StoreError.self) { try f.addVersion("iris", seed: 1, metadata: "{not json") }
        #expect(bad?.code == .invalidArgument)
        #expect(bad?.message.contains("metadata") == true)
        // Nothing half-created.
        #expect(throws: StoreError.self) { _ = try f.store.model(named: "iris") }
    }

    @Test func aliasesMoveInOneCall() throws {
        let f = try Fixture()
        try f.addVersion("iris", seed: 1)
        try f.addVersion("iris", seed: 2)
        try f.store.setAlias(model: "iris", alias: "production", version: 1)
        #expect(try f.store.version(model: "iris", alias: "production").version == 1)
        let moved = try f.store.setAlias(model: "iris", alias: "production", version: 2)
        #expect(moved.version == 2 && moved.aliases == ["production"])
        #expect(try f.store.model(named: "iris").aliases == ["production": 2])
        #expect(try f.store.version(model: "iris", number: 1).aliases == [])
        try f.store.setAlias(model: "iris", alias: "champion", version: 2)
        #expect(try f.store.version(model: "iris", number: 2).aliases == ["champion", "production"])
        try f.store.deleteAlias(model: "iris", alias: "champion")
        #expect(throws: StoreError.self) { try f.store.deleteAlias(model: "iris", alias: "champion") }
        for reserved in ["latest", "LATEST", "v3", "a@b", ""] {
            let error = #expect(throws: StoreError.self) { try f.store.setAlias(model: "iris", alias: reserved, version: 1) }
            #expect(error?.code == .invalidArgument, "\(reserved)")
        }
        let missing = #expect(throws: StoreError.self) { try f.store.setAlias(model: "iris", alias: "staging", version: 9) }
        #expect(missing?.code == .notFound)
        // Deleting the version drops the alias pointing at it.
        try f.store.deleteVersion(model: "iris", number: 2)
        #expect(try f.store.model(named: "iris").aliases.isEmpty)
    }

    @Test func resolutionFollowsTheAddressingRules() throws {
        let f = try Fixture()
        let noReady = #expect(throws: StoreError.self) {
            try f.addVersion("iris", seed: 0, status: .loading)
            _ = try f.store.resolve(model: "iris")
        }
        #expect(noReady?.message.contains("no ready version") == true)
        try f.addVersion("iris", seed: 1, status: .ready)       // 2
        try f.addVersion("iris", seed: 2, status: .ready)       // 3
        try f.addVersion("iris", seed: 3, status: .failed)      // 4
        try f.addVersion("iris", seed: 4, status: .loading)     // 5
        #expect(try f.store.resolve(model: "iris").version == 3)           // highest ready
        #expect(try f.store.resolve(model: "iris", .latest).version == 3)
        #expect(try f.store.resolve(model: "iris", .version(5)).status == .loading)  // pinned, caller checks status
        try f.store.setAlias(model: "iris", alias: "production", version: 2)
        #expect(try f.store.resolve(model: "iris").version == 2)           // production alias wins
        #expect(try f.store.resolve(model: "iris", .latest).version == 3)  // latest stays highest ready
        #expect(try f.store.resolve(model: "iris", .alias("latest")).version == 3)
        #expect(try f.store.resolve(model: "iris", .alias("production")).version == 2)
        #expect(throws: StoreError.self) { _ = try f.store.resolve(model: "iris", .alias("staging")) }
        #expect(throws: StoreError.self) { _ = try f.store.resolve(model: "iris", .version(99)) }
        #expect(throws: StoreError.self) { _ = try f.store.resolve(model: "nope") }
        try f.store.setVersionStatus(model: "iris", number: 5, status: .ready)
        #expect(try f.store.resolve(model: "iris", .latest).version == 5)

        let snapshot = try f.store.registrySnapshot()
        for selector in [VersionSelector.default, .latest, .version(4), .alias("production"), .alias("latest")] {
            #expect(snapshot.resolve("iris", selector)?.version == (try f.store.resolve(model: "iris", selector)).version)
        }
        #expect(snapshot.resolve("iris", .alias("nope")) == nil)
        #expect(snapshot.resolve("nope") == nil)
    }

    @Test func modelReferencesParse() {
        #expect(VersionSelector.parse(modelReference: "iris") == ("iris", .default))
        #expect(VersionSelector.parse(modelReference: "iris@production") == ("iris", .alias("production")))
        #expect(VersionSelector.parse(modelReference: "iris@latest") == ("iris", .latest))
    }

    @Test func snapshotHoldsEverythingAndTracksTheGeneration() throws {
        let f = try Fixture()
        try f.addVersion("a", seed: 1)
        try f.addVersion("a", seed: 2)
        try f.addVersion("b", seed: 1)
        try f.store.setAlias(model: "a", alias: "production", version: 1)
        try f.store.setModelTag(model: "a", key: "team", value: "ml")
        try f.store.setVersionTag(model: "a", number: 2, key: "note", value: "candidate")
        let first = try f.store.registrySnapshot()
        #expect(first.generation == (try f.store.generation(.registry)))
        #expect(Set(first.models.keys) == ["a", "b"])
        #expect(first.models["a"]?.model.tags == ["team": "ml"])
        #expect(first.models["a"]?.model.aliases == ["production": 1])
        #expect(first.models["a"]?.versions.map(\.version) == [1, 2])
        #expect(first.models["a"]?.versions[0].aliases == ["production"])
        #expect(first.models["a"]?.versions[1].tags == ["note": "candidate"])
        #expect(first.models["a"]?.versions == (try f.store.versions(of: "a")))
        try f.store.setAlias(model: "a", alias: "production", version: 2)
        let second = try f.store.registrySnapshot()
        #expect(second.generation > first.generation)
        #expect(second.resolve("a")?.version == 2)
        // Key changes do not move the registry counter.
        _ = try f.store.createAPIKey(name: "k", scope: .predict)
        #expect(try f.store.generation(.registry) == second.generation)
    }

    @Test func statusReasonAndRecoveryQuery() throws {
        let f = try Fixture()
        try f.addVersion("a", seed: 1, status: .loading)
        try f.addVersion("b", seed: 1, status: .loading)
        try f.addVersion("b", seed: 2, status: .ready)
        #expect(try f.store.versions(withStatus: .loading).map { "\($0.modelName)/\($0.version)" } == ["a/1", "b/1"])
        let failed = try f.store.setVersionStatus(model: "a", number: 1, status: .failed, reason: "unsupported operator Foo in node n3")
        #expect(failed.status == .failed && failed.statusReason.contains("Foo"))
        #expect(try f.store.versions(withStatus: .loading).count == 1)
        #expect(try f.store.versions(withStatus: .failed).map(\.modelName) == ["a"])
    }

    @Test func stageTransitionsCanArchiveTheOthers() throws {
        let f = try Fixture()
        try f.addVersion("m", seed: 1)
        try f.addVersion("m", seed: 2)
        try f.addVersion("m", seed: 3)
        try f.store.transitionStage(model: "m", number: 1, to: .production)
        try f.store.transitionStage(model: "m", number: 2, to: .production)
        #expect(try f.store.versions(of: "m").map(\.stage) == [.production, .production, .none])
        try f.store.transitionStage(model: "m", number: 3, to: .production, archiveExistingVersions: true)
        #expect(try f.store.versions(of: "m").map(\.stage) == [.archived, .archived, .production])
        #expect(try f.store.latestVersions(model: "m", stages: [.archived]).map(\.version) == [2])
        #expect(try f.store.latestVersions(model: "m").map(\.version) == [2, 3])
        #expect(VersionStage(canonicalizing: "production") == .production)
        #expect(VersionStage(canonicalizing: "bogus") == nil)
    }

    @Test func modelsListRenameDeleteAndTags() throws {
        let f = try Fixture()
        _ = try f.store.createModel(name: "beta", description: "second", tags: ["owner": "x"])
        try f.addVersion("alpha", seed: 1)
        let duplicate = #expect(throws: StoreError.self) { _ = try f.store.createModel(name: "beta") }
        #expect(duplicate?.code == .alreadyExists)
        #expect(try f.store.models().map(\.name) == ["alpha", "beta"])
        #expect(try f.store.models(nameLike: "be%").map(\.name) == ["beta"])
        #expect(try f.store.models(limit: 1, offset: 1).map(\.name) == ["beta"])
        #expect(try f.store.updateModel(named: "beta", description: "new").description == "new")
        try f.store.deleteModelTag(model: "beta", key: "owner")
        #expect(try f.store.model(named: "beta").tags.isEmpty)
        let renamed = try f.store.renameModel("alpha", to: "gamma")
        #expect(renamed.name == "gamma")
        #expect(try f.store.version(model: "gamma", number: 1).modelName == "gamma")
        #expect(throws: StoreError.self) { _ = try f.store.renameModel("gamma", to: "beta") }
        #expect(try f.store.searchVersions(model: "gamma").count == 1)
        let digests = try f.store.deleteModel(named: "gamma")
        #expect(digests == [SHA256.hash(Array("model alpha 1".utf8))])
        #expect(throws: StoreError.self) { _ = try f.store.model(named: "gamma") }
    }

    @Test func orphanedArtifactsAreCleanedAfterDeletes() throws {
        let f = try Fixture()
        let kept = try f.addVersion("a", seed: 1)
        let gone = try f.addVersion("a", seed: 2)
        try f.store.deleteVersion(model: "a", number: 2)
        let report = try f.artifacts.cleanOrphans(keeping: try f.store.referencedDigests(), minimumAgeSeconds: 0)
        #expect(report.blobs == 1)
        #expect(f.artifacts.contains(kept.sha256))
        #expect(!f.artifacts.contains(gone.sha256))
        #expect(try f.store.searchVersions(sha256: kept.sha256).map(\.version) == [1])
    }

    @Test func auditLogRecordsManagementActions() throws {
        let f = try Fixture()
        try f.store.createVersion(model: "m", NewModelVersion(
            artifact: try f.artifacts.put([1]), source: VersionSource(kind: .upload, location: "")), actor: "key1")
        try f.store.setAlias(model: "m", alias: "production", version: 1, actor: "key1")
        let log = try f.store.auditLog()
        #expect(log.map(\.action) == ["alias.set", "version.create", "model.create"])
        #expect(log[0].target == "m@production" && log[0].actor == "key1")
        #expect(try f.store.auditLog(limit: 1, beforeID: log[0].id).map(\.action) == ["version.create"])
        #expect(try f.store.pruneAuditLog(keeping: 1) == 2)
        #expect(try f.store.auditLog().count == 1)
    }

    @Test func reopeningKeepsDataAndANewerDatabaseIsRefused() throws {
        let f = try Fixture()
        try f.addVersion("m", seed: 1)
        let path = f.dir.file("monolith.sqlite")
        let again = try MetadataStore(path: path)
        #expect(try again.version(model: "m", number: 1).modelName == "m")
        #expect(try again.integrityCheck().isEmpty)
        try again.pool.write { db in
            try db.execute("INSERT INTO storekit_migrations (identifier, applied_at) VALUES ('2099-01-future', 0)")
        }
        let error = #expect(throws: MigrationError.self) { _ = try MetadataStore(path: path) }
        #expect(error.map { String(describing: $0).contains("newer version") } == true)
    }

    @Test func anotherProcessesChangesMoveTheCounters() throws {
        let f = try Fixture()
        let other = try MetadataStore(path: f.dir.file("monolith.sqlite"))  // stands for the CLI
        let keys = try f.store.generation(.apiKeys)
        let registry = try f.store.generation(.registry)
        let created = try other.createAPIKey(name: "cli key", scope: .admin)
        #expect(try f.store.generation(.apiKeys) > keys)
        #expect(try f.store.authenticateAPIKey(secret: created.secret)?.id == created.key.id)
        try other.createVersion(model: "m", NewModelVersion(artifact: try f.artifacts.put([7]), source: VersionSource(kind: .upload, location: "")))
        #expect(try f.store.generation(.registry) > registry)
        #expect(try f.store.registrySnapshot().models["m"] != nil)
    }

    @Test func readOnlyStoreReadsButRefusesWrites() throws {
        let f = try Fixture()
        try f.addVersion("m", seed: 1)
        var configuration = MetadataStore.Configuration()
        configuration.pool.readOnly = true
        let reader = try MetadataStore(path: f.dir.file("monolith.sqlite"), configuration: configuration)
        #expect(try reader.resolve(model: "m").version == 1)
        #expect(throws: DatabaseError.self) { _ = try reader.createModel(name: "x") }
    }

    @Test func nonDatabaseFileIsAClearStartupError() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("monolith.sqlite")
        try writeFile(path, Array("this is not sqlite, just some text that is long enough to look like a header".utf8))
        let error = #expect(throws: DatabaseError.self) { _ = try MetadataStore(path: path) }
        #expect(error?.message.contains("not a SQLite database") == true)
    }
}

@Suite struct RegistryFileTests {
    @Test func recordsAreStoredReplacedAndForgotten() throws {
        let f = try Fixture()
        let digest = SHA256.hash([1])
        #expect(try f.store.registryFile(path: "models/1/model.onnx") == nil)
        try f.store.recordRegistryFiles([
            RegistryFileRecord(path: "models/1/model.onnx", size: 10, modifiedNanoseconds: 5, sha256: digest),
            RegistryFileRecord(path: "models/2/model.onnx", size: 20, modifiedNanoseconds: 6, sha256: digest),
        ])
        let first = try f.store.registryFile(path: "models/1/model.onnx")
        #expect(first?.size == 10 && first?.sha256 == digest && (first?.seenAt ?? 0) > 0)
        let other = SHA256.hash([2])
        try f.store.recordRegistryFiles([RegistryFileRecord(path: "models/1/model.onnx", size: 11, modifiedNanoseconds: 7, sha256: other)])
        #expect(try f.store.registryFile(path: "models/1/model.onnx")?.sha256 == other)
        try f.store.forgetRegistryFiles(paths: ["models/2/model.onnx"])
        #expect(try f.store.registryFiles().map(\.path) == ["models/1/model.onnx"])
    }
}
