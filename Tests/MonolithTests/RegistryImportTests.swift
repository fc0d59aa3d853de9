import ModelKit
import StoreKitLite
import Testing
@testable import Monolith

/// Uploads, aliases, deletes, load/unload through `ModelRegistry` (PROTOCOLS.md §6).
@Suite struct RegistryImportTests {
    @Test func anUploadBecomesAServedVersionWithItsSignature() throws {
        let f = try RegistryFixture()
        try f.start()
        let imported = try f.upload(RegistryTestModels.addConstant(1), name: "adder")
        #expect(imported.record.version == 1)
        #expect(imported.record.status == .ready)
        #expect(imported.record.sha256 == SHA256.hash(RegistryTestModels.addConstant(1)))
        let signature = try #require(imported.record.signature)
        #expect(signature.contains(#""name":"x","datatype":"FP32","shape":[-1]"#))
        #expect(f.artifacts.contains(imported.record.sha256))
        let model = try #require(f.registry.resolve("adder").model)
        #expect(try RegistryTestModels.predict(model, 2) == 3)
        let second = try f.upload(RegistryTestModels.addConstant(2), name: "adder")
        #expect(second.record.version == 2)
        #expect(try RegistryTestModels.predict(try #require(f.registry.resolve("adder").model), 2) == 4)
        #expect(try RegistryTestModels.predict(try #require(f.registry.resolve("adder", .version(1)).model), 2) == 3)
        f.registry.stop()
    }

    @Test func aBadFileIsRefusedNamingTheProblemAndChangesNothing() throws {
        let f = try RegistryFixture()
        try f.start()
        try f.upload(RegistryTestModels.addConstant(1), name: "adder")
        let digestsBefore = Set(try f.artifacts.allDigests())
        for (bytes, fragment) in [(RegistryTestModels.broken, "malformed"), (RegistryTestModels.unknownOperator(), "Axx"), ([], "empty")] {
            let error = try #require(throws: RegistryError.self) { try f.upload(bytes, name: "adder") }
            #expect(error.status == .badRequest)
            #expect(error.message.contains(fragment), "\(error.message)")
        }
        // Nothing stored: no new version, no new blob, no leftover temporary file; the old
        // version still serves.
        #expect(try f.store.versions(of: "adder").map(\.version) == [1])
        #expect(Set(try f.artifacts.allDigests()) == digestsBefore)
        #expect(try RegistryFiles.list(f.data("artifacts/tmp"), limit: 100).names.isEmpty)
        #expect(try RegistryTestModels.predict(try #require(f.registry.resolve("adder").model), 1) == 2)
        // A refused upload of a new name creates no model either.
        #expect(throws: RegistryError.self) { try f.upload(RegistryTestModels.broken, name: "ghost") }
        #expect(throws: StoreError.self) { try f.store.model(named: "ghost") }
        f.registry.stop()
    }

    @Test func limitsAndNamesAreCheckedBeforeAnythingIsStored() throws {
        var limits = ModelLimits.default
        limits.maxModelBytes = 64
        let f = try RegistryFixture(limits: limits)
        try f.start()
        let tooLarge = try #require(throws: RegistryError.self) { try f.upload([UInt8](repeating: 1, count: 65), name: "big") }
        #expect(tooLarge.status == .contentTooLarge)
        for bad in ["", "../etc", "a b", "-x", String(repeating: "n", count: 251)] {
            let error = try #require(throws: RegistryError.self) { try f.upload(RegistryTestModels.addConstant(1), name: bad) }
            #expect(error.status == .badRequest)
        }
        for alias in ["latest", "v3", "no spaces", ""] {
            #expect(throws: RegistryError.self) { try f.upload(RegistryTestModels.addConstant(1), name: "ok", aliases: [alias]) }
        }
        #expect(try f.store.registrySnapshot().models.isEmpty)
        #expect(try f.artifacts.allDigests().isEmpty)
        f.registry.stop()
    }

    @Test func aliasesMoveInOneCallAndOnlyToReadyVersions() throws {
        let f = try RegistryFixture()
        try f.start()
        try f.upload(RegistryTestModels.addConstant(1), name: "m")
        try f.upload(RegistryTestModels.addConstant(2), name: "m", aliases: ["staging"])
        #expect(f.registry.resolve(reference: "m@staging").model?.version == 2)
        try f.registry.setAlias("production", model: "m", version: 1)
        #expect(f.registry.resolve("m").model?.version == 1)
        try f.registry.setAlias("production", model: "m", version: 2)
        #expect(f.registry.resolve("m").model?.version == 2)
        #expect(throws: RegistryError.self) { try f.registry.setAlias("production", model: "m", version: 7) }
        #expect(throws: RegistryError.self) { try f.registry.setAlias("latest", model: "m", version: 1) }
        try f.registry.removeAlias("production", model: "m")
        #expect(f.registry.resolve(reference: "m@production").isNotFound)
        #expect(throws: RegistryError.self) { try f.registry.removeAlias("production", model: "m") }
        f.registry.stop()
    }

    @Test func deletingAVersionRetiresItWhileHeldRequestsFinish() throws {
        let f = try RegistryFixture()
        try f.start()
        try f.upload(RegistryTestModels.addConstant(1), name: "m")
        try f.upload(RegistryTestModels.addConstant(2), name: "m")
        // A request that resolved version 2 holds it…
        let held = try #require(f.registry.resolve("m").model)
        try f.registry.deleteVersion(model: "m", version: 2)
        #expect(f.registry.resolve("m").model?.version == 1)
        #expect(f.registry.resolve("m", .version(2)).isNotFound)
        // …and still completes on it.
        #expect(try RegistryTestModels.predict(held, 1) == 3)
        f.registry.stop()
    }

    @Test func unloadKeepsVersionsStoredAndLoadBringsThemBack() throws {
        let f = try RegistryFixture()
        try f.start()
        try f.upload(RegistryTestModels.addConstant(1), name: "m")
        try f.registry.unload(model: "m")
        #expect(f.registry.resolve("m").failureReason?.contains("unloaded") == true)
        #expect(f.registry.snapshot.models["m"]?.versions.first?.state.protocolName == "UNAVAILABLE")
        #expect(try f.store.versions(of: "m").count == 1)
        try f.registry.load(model: "m")
        #expect(f.registry.resolve("m").model?.version == 1)
        #expect(throws: RegistryError.self) { try f.registry.load(model: "nope") }
        #expect(throws: RegistryError.self) { try f.registry.unload(model: "nope") }
        f.registry.stop()
    }

    @Test func waitingForALoadingModelReturnsItOnceLoaded() throws {
        let data = try TemporaryDirectory()
        // Another process (the CLI) imports while this registry runs: the registry sees the
        // store's change counter move, loads the version and wakes the waiter.
        let f = try RegistryFixture(data: data)
        try f.start()
        #expect(f.registry.resolve("late").isNotFound)
        let (otherStore, otherArtifacts) = try Application.openStores(dataDirectory: data.path)
        let importer = ModelImporter(store: otherStore, artifacts: otherArtifacts, limits: .default)
        var once: [UInt8]? = RegistryTestModels.addConstant(5)
        _ = try importer.importModel(ModelImportRequest(name: "late")) { defer { once = nil }; return once }
        #expect(eventually { !f.registry.resolve("late").isNotFound })
        let resolution = f.registry.waitForModel("late", timeout: .seconds(30))
        #expect(try RegistryTestModels.predict(try #require(resolution.model), 1) == 6)
        f.registry.stop()
    }

    @Test func versionsACrashLeftLoadingAreLoadedAndRecorded() throws {
        let data = try TemporaryDirectory()
        do {
            let (store, artifacts) = try Application.openStores(dataDirectory: data.path)
            let good = try artifacts.put(RegistryTestModels.addConstant(1))
            let bad = try artifacts.put(RegistryTestModels.broken)
            _ = try store.createVersion(model: "m", NewModelVersion(artifact: good, source: VersionSource(kind: .upload, location: ""), status: .loading))
            _ = try store.createVersion(model: "m", NewModelVersion(artifact: bad, source: VersionSource(kind: .upload, location: ""), status: .loading))
        }
        let f = try RegistryFixture(data: data)
        try f.start()
        #expect(f.registry.resolve("m").model?.version == 1)
        #expect(f.registry.resolve("m", .version(2)).failureReason != nil)
        // The outcomes reach the store just after the snapshot swap.
        #expect(try eventually { try f.store.version(model: "m", number: 1).status == .ready })
        #expect(try f.store.version(model: "m", number: 1).signature != nil)
        #expect(try eventually { try f.store.version(model: "m", number: 2).status == .failed })
        #expect(f.registry.readiness().isReady)
        f.registry.stop()
    }

    @Test func aDamagedArtifactFailsItsVersionAtLoadAndTheOthersServe() throws {
        let data = try TemporaryDirectory()
        var damagedPath = ""
        do {
            let f = try RegistryFixture(data: data)
            try f.start()
            try f.upload(RegistryTestModels.addConstant(1), name: "m")
            let second = try f.upload(RegistryTestModels.addConstant(2), name: "m")
            damagedPath = f.artifacts.path(for: second.record.sha256)
            f.registry.stop()
        }
        try RegistryTestFiles.write(damagedPath, RegistryTestModels.addConstant(9), atomic: false)
        let f = try RegistryFixture(data: data)
        try f.start()
        #expect(f.registry.resolve("m").model?.version == 1)
        #expect(f.registry.resolve("m", .version(2)).failureReason?.contains("corrupt") == true)
        f.registry.stop()
    }
}
