import Dispatch
import ModelKit
import StoreKitLite
import Synchronization
import Testing
@testable import Monolith

/// PROTOCOLS.md §5 on hand-built snapshots, and the snapshot cell's publication.
@Suite struct RegistryResolutionTests {
    static let digest = SHA256.hash([UInt8]("x".utf8))

    static func loaded(_ name: String, _ number: Int64) throws -> LoadedModel {
        LoadedModel(name: name, version: number, session: try Session(modelBytes: RegistryTestModels.addConstant(Float(number))),
                    sha256: digest, size: 1, metadata: nil, source: VersionSource(kind: .upload, location: ""))
    }

    static func version(_ name: String, _ number: Int64, _ state: ServingState) throws -> ServedVersion {
        ServedVersion(number: number, state: state, model: state == .ready ? try loaded(name, number) : nil,
                      sha256: digest, source: VersionSource(kind: .upload, location: ""))
    }

    static func snapshot(_ entries: [ServedModelEntry], synced: Bool = true) -> ServingSnapshot {
        ServingSnapshot(generation: 1, models: Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0) }), synced: synced)
    }

    /// iris: 1 ready, 2 ready, 3 failed, 4 loading; alias staging -> 1.
    static func iris(aliases: [String: Int64] = ["staging": 1]) throws -> ServedModelEntry {
        ServedModelEntry(name: "iris", versions: [
            try version("iris", 3, .failed(reason: "bad file")),
            try version("iris", 1, .ready),
            try version("iris", 4, .loading),
            try version("iris", 2, .ready),
        ], aliases: aliases)
    }

    @Test func nameAloneIsTheHighestReadyVersionWithoutProduction() throws {
        let s = Self.snapshot([try Self.iris()])
        #expect(s.resolve("iris").model?.version == 2)
        #expect(s.resolve("iris", .latest).model?.version == 2)
        #expect(s.resolve(reference: "iris@latest").model?.version == 2)
        #expect(s.resolve("iris", .alias("LATEST")).model?.version == 2)
    }

    @Test func nameAloneFollowsProductionWhenSet() throws {
        let s = Self.snapshot([try Self.iris(aliases: ["production": 1])])
        #expect(s.resolve("iris").model?.version == 1)
        // `latest` still means the highest ready version, whatever production says.
        #expect(s.resolve("iris", .latest).model?.version == 2)
        #expect(s.resolve(reference: "iris@production").model?.version == 1)
    }

    @Test func productionOnAFailedOrLoadingVersionSaysSo() throws {
        let failed = Self.snapshot([try Self.iris(aliases: ["production": 3])])
        #expect(failed.resolve("iris").failureReason == "bad file")
        #expect(throws: RegistryError.self) { try failed.resolve("iris").get() }
        let loading = Self.snapshot([try Self.iris(aliases: ["production": 4])])
        #expect(loading.resolve("iris").isLoading)
        #expect((try? loading.resolve("iris").get()) == nil)
    }

    @Test func pinnedVersionsAndAliases() throws {
        let s = Self.snapshot([try Self.iris()])
        #expect(s.resolve("iris", .version(1)).model?.version == 1)
        #expect(s.resolve("iris", .version(3)).failureReason == "bad file")
        #expect(s.resolve("iris", .version(4)).isLoading)
        #expect(s.resolve("iris", .version(9)).isNotFound)
        #expect(s.resolve(reference: "iris@staging").model?.version == 1)
        #expect(s.resolve("iris", .alias("staging")).model?.version == 1)
        #expect(s.resolve(reference: "iris@nope").isNotFound)
        #expect(s.resolve("unknown").isNotFound)
        #expect(s.resolve(reference: "unknown@staging").isNotFound)
    }

    @Test func aModelWithNothingReadyExplainsWhy() throws {
        let loading = Self.snapshot([ServedModelEntry(name: "m", versions: [
            try Self.version("m", 1, .failed(reason: "broken")), try Self.version("m", 2, .loading),
        ], aliases: [:])])
        #expect(loading.resolve("m").isLoading)
        #expect(!loading.readiness.isReady)
        #expect(loading.readiness.reason.contains("version 2 is loading"))
        let failed = Self.snapshot([ServedModelEntry(name: "m", versions: [try Self.version("m", 1, .failed(reason: "broken"))], aliases: [:])])
        #expect(failed.resolve("m").failureReason == "broken")
        #expect(!failed.readiness.isReady)
        #expect(failed.readiness.reason.contains("broken"))
        let empty = Self.snapshot([ServedModelEntry(name: "m", versions: [], aliases: [:])])
        #expect(empty.resolve("m").isNotFound)
        #expect(empty.readiness.isReady)
    }

    @Test func readinessNeedsOneServingVersionPerModelAndTheStartUpPass() throws {
        #expect(Self.snapshot([try Self.iris()]).readiness.isReady)
        #expect(!Self.snapshot([try Self.iris()], synced: false).readiness.isReady)
        #expect(Self.snapshot([]).readiness.isReady)
        let unloaded = ServedModelEntry(name: "u", versions: [try Self.version("u", 1, .unloaded)], aliases: [:])
        let s = Self.snapshot([unloaded])
        #expect(s.readiness.isReady)
        #expect(s.resolve("u").failureReason?.contains("unloaded") == true)
    }

    @Test func cellPublishesToEveryThreadAndWakesWaiters() throws {
        let cell = ServingSnapshotCell()
        #expect(cell.load().generation == 0)
        let first = Self.snapshot([try Self.iris()])
        cell.publish { _ in first }
        #expect(cell.load() === first)
        // Another thread waits for the next publication and must see it.
        let seen = Mutex<UInt64>(0)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            _ = cell.waitForChange(after: 1, deadline: Duration.seconds(30).deadlineFromNow)
            seen.withLock { $0 = cell.load().generation }
            done.signal()
        }
        let second = ServingSnapshot(generation: 2, models: [:])
        cell.publish { _ in second }
        #expect(done.wait(timeout: .now() + .seconds(30)) == .success)
        #expect(seen.withLock { $0 } == 2)
        // A wait for a change that never comes ends at its deadline with false.
        #expect(!cell.waitForChange(after: 2, deadline: Duration.milliseconds(1).deadlineFromNow))
    }

    @Test func manyThreadsReadingWhileSnapshotsSwapOnlySeeWholeSnapshots() throws {
        let cell = ServingSnapshotCell()
        let stop = Atomic<Bool>(false)
        let failures = Atomic<Int>(0)
        let group = DispatchGroup()
        for _ in 0..<4 {
            DispatchQueue.global().async(group: group) {
                var last: UInt64 = 0
                while !stop.load(ordering: .relaxed) {
                    let s = cell.load()
                    // Every snapshot is built whole: its generation matches its content, and
                    // a thread never goes back in time.
                    if s.generation < last || (s.generation > 0 && s.models.count != 1) { failures.add(1, ordering: .relaxed) }
                    last = s.generation
                }
            }
        }
        let entry = try Self.iris()
        for g in 1...2_000 { cell.publish { _ in ServingSnapshot(generation: UInt64(g), models: ["iris": entry]) } }
        stop.store(true, ordering: .relaxed)
        group.wait()
        #expect(failures.load(ordering: .relaxed) == 0)
        #expect(cell.load().generation == 2_000)
    }

    @Test func modelReferencesSplitAtTheAlias() {
        #expect(VersionSelector.parse(modelReference: "iris") == ("iris", .default))
        #expect(VersionSelector.parse(modelReference: "iris@prod").selector == .alias("prod"))
        #expect(VersionSelector.parse(modelReference: "iris@latest").selector == .latest)
    }

    @Test func startUpReadinessWaitsForEveryVersionNotJustOnePerModel() throws {
        let data = try TemporaryDirectory()
        let (store, artifacts) = try Application.openStores(dataDirectory: data.path)
        for c in [1, 2] as [Float] {
            _ = try store.createVersion(model: "m", NewModelVersion(
                artifact: try artifacts.put(RegistryTestModels.addConstant(c)), source: VersionSource(kind: .upload, location: ""), status: .ready))
        }
        var state = RegistryState()
        #expect(state.apply(try store.registrySnapshot()))
        let toLoad = state.versionsToLoad()
        #expect(toLoad.map(\.version) == [2, 1])
        state.markStartupRead()
        // Version 1 loads first: `m` would serve the older version, so not ready yet.
        let first = try #require(toLoad.last)
        state.finishPending(VersionKey(first))
        state.setLoaded(VersionKey(first), try Self.loaded("m", 1))
        let early = state.makeSnapshot()
        #expect(!early.readiness.isReady)
        #expect(early.resolve("m").readyModel?.version == 1)
        let second = try #require(toLoad.first)
        state.finishPending(VersionKey(second))
        state.setLoaded(VersionKey(second), try Self.loaded("m", 2))
        let done = state.makeSnapshot()
        #expect(done.readiness.isReady)
        #expect(done.resolve("m").readyModel?.version == 2)
        // Later loads (a new version next to a serving one) do not take readiness away.
        _ = try store.createVersion(model: "m", NewModelVersion(
            artifact: try artifacts.put(RegistryTestModels.addConstant(3)), source: VersionSource(kind: .upload, location: ""), status: .ready))
        #expect(state.apply(try store.registrySnapshot()))
        #expect(state.versionsToLoad().count == 1)
        #expect(state.makeSnapshot().readiness.isReady)
    }

    @Test func anAliasMovedToALoadingVersionKeepsServingItsPreviousTarget() throws {
        let data = try TemporaryDirectory()
        let (store, artifacts) = try Application.openStores(dataDirectory: data.path)
        func add(_ c: Float) throws -> ModelVersion {
            try store.createVersion(model: "m", NewModelVersion(
                artifact: try artifacts.put(RegistryTestModels.addConstant(c)), source: VersionSource(kind: .upload, location: ""), status: .ready))
        }
        let one = try add(1)
        try store.setAlias(model: "m", alias: "production", version: 1)
        var state = RegistryState()
        _ = state.apply(try store.registrySnapshot())
        _ = state.versionsToLoad()
        state.finishPending(VersionKey(one))
        state.setLoaded(VersionKey(one), try Self.loaded("m", 1))
        #expect(state.makeSnapshot().resolve("m").readyModel?.version == 1)
        // Another process adds version 2 and moves production to it in the store.
        let two = try add(2)
        try store.setAlias(model: "m", alias: "production", version: 2)
        _ = state.apply(try store.registrySnapshot())
        _ = state.versionsToLoad()
        let loading = state.makeSnapshot()
        #expect(loading.resolve("m").readyModel?.version == 1)
        #expect(loading.resolve(reference: "m@production").readyModel?.version == 1)
        state.finishPending(VersionKey(two))
        state.setLoaded(VersionKey(two), try Self.loaded("m", 2))
        #expect(state.makeSnapshot().resolve("m").readyModel?.version == 2)
    }
    /// An upload or an MLflow import adopts the session it validated. A store read taken
    /// before that commit and applied after it (the folder watcher's, another request's)
    /// must not drop the session: the version would read `loading` and load again from disk.
    @Test func aReadOlderThanAnAdoptionDoesNotUnserveTheAdoptedVersion() throws {
        let data = try TemporaryDirectory()
        let (store, artifacts) = try Application.openStores(dataDirectory: data.path)
        _ = try store.createModel(name: "m")
        var state = RegistryState()
        _ = state.apply(try store.registrySnapshot())
        let stale = try store.registrySnapshot()
        let one = try store.createVersion(model: "m", NewModelVersion(
            artifact: try artifacts.put(RegistryTestModels.addConstant(1)), source: VersionSource(kind: .upload, location: ""), status: .ready))
        let adopted = state.adopt(VersionKey(one), try Self.loaded("m", 1), after: try store.registrySnapshot())
        #expect(adopted)
        #expect(state.versionsToLoad().isEmpty, "adopted, not loaded again")
        let staleApplied = state.apply(stale)
        #expect(!staleApplied, "the older read is refused")
        #expect(state.versionsToLoad().isEmpty)
        #expect(state.makeSnapshot().resolve("m", .version(1)).readyModel?.version == 1)
        // A version deleted before its adoption read is not served.
        let two = try store.createVersion(model: "m", NewModelVersion(
            artifact: try artifacts.put(RegistryTestModels.addConstant(2)), source: VersionSource(kind: .upload, location: ""), status: .ready))
        _ = try store.deleteVersion(model: "m", number: 2)
        _ = state.adopt(VersionKey(two), try Self.loaded("m", 2), after: try store.registrySnapshot())
        #expect(state.makeSnapshot().resolve("m").readyModel?.version == 1)
    }
}
