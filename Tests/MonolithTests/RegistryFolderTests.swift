#if canImport(Glibc)
import Glibc
#endif
import HTTPKit
import StoreKitLite
import Testing
@testable import Monolith

/// Registry folders: both layouts, hot changes, hostile entries, start-up errors.
@Suite struct RegistryFolderTests {
    static func seedVersion(_ root: TemporaryDirectory, _ folder: String, constant: Float, name: String? = nil, extra: String = "") throws {
        try RegistryTestFiles.write(root("models/\(folder)/model.onnx"), RegistryTestModels.addConstant(constant))
        var metadata = #"{"metrics":{"accuracy":0.9}"#
        if let name { metadata += #","name":"\#(name)""# }
        try RegistryTestFiles.write(root("models/\(folder)/metadata.json"), metadata + extra + "}")
    }

    @Test func theSeedLayoutImportsWithNamesVersionsMetadataAndLatest() throws {
        let root = try TemporaryDirectory()
        try Self.seedVersion(root, "1", constant: 1, name: "churn")
        try Self.seedVersion(root, "v2", constant: 2, name: "churn")
        try RegistryTestFiles.write(root("latest/model.onnx"), RegistryTestModels.addConstant(2))
        try RegistryTestFiles.write(root("models/notes/readme.txt"), "not a version")
        let f = try RegistryFixture(folder: root.path)
        try f.start()
        let model = try #require(f.registry.resolve("churn").model)
        #expect(model.version == 2)
        #expect(try RegistryTestModels.predict(model, 1) == 3)
        #expect(model.metadata?["metrics"]?["accuracy"]?.double == 0.9)
        let versions = try f.store.versions(of: "churn")
        #expect(versions.map(\.version) == [1, 2])
        #expect(versions.allSatisfy { $0.source.kind == .registry && $0.source.location.hasSuffix("/model.onnx") })
        // latest/ duplicates version 2: no version of its own, no alias (latest is reserved).
        #expect(try f.store.model(named: "churn").aliases.isEmpty)
        #expect(f.registry.readiness().isReady)
        // A version folder without a name in its metadata goes to the folder's model name.
        #expect(f.logs.records.contains { "\($0.metadata)".contains("models/notes") })
        f.registry.stop()
    }

    @Test func aSeedRegistryWithoutNamesUsesTheFolderName() throws {
        let parent = try TemporaryDirectory()
        let root = parent("fraud-model")
        try RegistryTestFiles.write(root + "/models/1/model.onnx", RegistryTestModels.addConstant(1))
        let f = try RegistryFixture(folder: root)
        try f.start()
        #expect(f.registry.resolve("fraud-model").model?.version == 1)
        f.registry.stop()
    }

    @Test func theTritonLayoutImportsEveryModelAndNumberedVersion() throws {
        let root = try TemporaryDirectory()
        try RegistryTestFiles.write(root("alpha/1/model.onnx"), RegistryTestModels.addConstant(10))
        try RegistryTestFiles.write(root("alpha/3/model.onnx"), RegistryTestModels.addConstant(30))
        try RegistryTestFiles.write(root("alpha/config.pbtxt"), #"name: "alpha" platform: "onnxruntime_onnx""#)
        try RegistryTestFiles.write(root("alpha/007/model.onnx"), RegistryTestModels.addConstant(7))
        try RegistryTestFiles.write(root("beta/2/model.onnx"), RegistryTestModels.addConstant(20))
        let f = try RegistryFixture(folder: root.path)
        try f.start()
        #expect(try f.store.versions(of: "alpha").map(\.version) == [1, 3])
        #expect(try RegistryTestModels.predict(try #require(f.registry.resolve("alpha").model), 0) == 30)
        #expect(try RegistryTestModels.predict(try #require(f.registry.resolve("alpha", .version(1)).model), 0) == 10)
        #expect(try RegistryTestModels.predict(try #require(f.registry.resolve("beta").model), 0) == 20)
        f.registry.stop()
    }

    @Test func newChangedBrokenAndRemovedVersionsWhileServing() throws {
        let root = try TemporaryDirectory()
        try RegistryTestFiles.write(root("m/1/model.onnx"), RegistryTestModels.addConstant(1))
        let f = try RegistryFixture(folder: root.path)
        try f.start()
        #expect(f.registry.resolve("m").model?.version == 1)

        // A new version appears: it serves once loaded.
        try RegistryTestFiles.write(root("m/2/model.onnx"), RegistryTestModels.addConstant(2))
        #expect(eventually { f.registry.resolve("m").model?.version == 2 })

        // A broken new version is recorded failed with its reason; version 2 keeps serving.
        try RegistryTestFiles.write(root("m/3/model.onnx"), RegistryTestModels.broken)
        #expect(eventually { f.registry.resolve("m", .version(3)).failureReason != nil })
        #expect(try f.store.version(model: "m", number: 3).status == .failed)
        #expect(try f.store.version(model: "m", number: 3).statusReason.contains("malformed"))
        #expect(f.registry.resolve("m").model?.version == 2)
        #expect(f.registry.readiness().isReady)

        // Fixing the file makes version 3 serve.
        try RegistryTestFiles.write(root("m/3/model.onnx"), RegistryTestModels.addConstant(3))
        #expect(eventually { f.registry.resolve("m").model?.version == 3 })

        // Changing a served version's file swaps it in place (same number, new content)…
        try f.registry.setAlias("production", model: "m", version: 3)
        try RegistryTestFiles.write(root("m/3/model.onnx"), RegistryTestModels.addConstant(33))
        #expect(eventually { (try? f.registry.resolve("m").model.map { try RegistryTestModels.predict($0, 0) }) == 33 })
        #expect(try f.store.model(named: "m").aliases["production"] == 3)
        // …but a broken change keeps the previous file serving.
        try RegistryTestFiles.write(root("m/3/model.onnx"), RegistryTestModels.unknownOperator())
        #expect(eventually { f.logs.records.contains { "\($0.metadata)".contains("keeps serving its previous file") } })
        #expect(try RegistryTestModels.predict(try #require(f.registry.resolve("m").model), 0) == 33)

        // The folder owns its versions: deleting one through the API is refused.
        let refused = try #require(throws: RegistryError.self) { try f.registry.deleteVersion(model: "m", version: 1) }
        #expect(refused.status == .conflict)

        // Removing a version folder retires it; a request holding it finishes.
        let held = try #require(f.registry.resolve("m", .version(2)).model)
        TemporaryDirectory.remove(root("m/2"))
        #expect(eventually { f.registry.resolve("m", .version(2)).isNotFound })
        #expect(try RegistryTestModels.predict(held, 0) == 2)
        f.registry.stop()
    }

    @Test func uploadsToAFolderModelAreNeverTouchedByTheFolder() throws {
        let root = try TemporaryDirectory()
        try RegistryTestFiles.write(root("m/1/model.onnx"), RegistryTestModels.addConstant(1))
        let f = try RegistryFixture(folder: root.path)
        try f.start()
        try f.upload(RegistryTestModels.addConstant(2), name: "m")   // version 2, an upload
        // A folder version with the upload's number is ignored, and the upload stays.
        try RegistryTestFiles.write(root("m/2/model.onnx"), RegistryTestModels.addConstant(99))
        #expect(eventually { f.logs.records.contains { "\($0.metadata)".contains("was not imported from this folder") } })
        #expect(try RegistryTestModels.predict(try #require(f.registry.resolve("m", .version(2)).model), 0) == 2)
        TemporaryDirectory.remove(root("m/2"))
        TemporaryDirectory.remove(root("m/1"))
        #expect(eventually { f.registry.resolve("m", .version(1)).isNotFound })
        #expect(f.registry.resolve("m").model?.version == 2)
        f.registry.stop()
    }

    @Test func hostileEntriesAreSkippedWithoutCrashing() throws {
        let outside = try TemporaryDirectory()
        try RegistryTestFiles.write(outside("secret/model.onnx"), RegistryTestModels.addConstant(666))
        let root = try TemporaryDirectory()
        try RegistryTestFiles.write(root("m/1/model.onnx"), RegistryTestModels.addConstant(1))
        // A symlinked version leading outside the folder, one leading inside, a FIFO as a
        // model file, a dangling link, odd names, a model.onnx directory, a pickle.
        symlink(outside("secret"), root("m/2"))
        symlink(root("m/1"), root("m/4"))
        mkdir(root("m/5"), 0o755)
        mkfifo(root("m/5/model.onnx"), 0o644)
        symlink(root("nowhere"), root("m/6"))
        try RegistryTestFiles.write(root("m/7/model.onnx/inner"), "x")
        try RegistryTestFiles.write(root("m/8/model.joblib"), "pickle")
        try RegistryTestFiles.write(root("bad name!/1/model.onnx"), RegistryTestModels.addConstant(1))
        try RegistryTestFiles.write(root("m/99999999999999999999/model.onnx"), RegistryTestModels.addConstant(1))
        try RegistryTestFiles.write(root(".hidden/1/model.onnx"), RegistryTestModels.addConstant(1))
        // A huge (sparse) model file: refused from its size, never read.
        try RegistryTestFiles.write(root("m/9/model.onnx"), [])
        #expect(truncate(root("m/9/model.onnx"), 3 << 30) == 0)
        let f = try RegistryFixture(folder: root.path)
        try f.start()
        #expect(try f.store.versions(of: "m").map(\.version) == [1, 4])
        #expect(try f.store.registrySnapshot().models.keys.sorted() == ["m"])
        let messages = f.logs.records.map { "\($0.metadata)" }.joined(separator: "\n")
        #expect(messages.contains("symlink leads outside the registry folder"))
        #expect(messages.contains("not a regular file"))
        #expect(messages.contains("dangling symlink"))
        #expect(messages.contains("external-data"))
        #expect(messages.contains("pickled model"))
        #expect(messages.contains("not a valid model name"))
        #expect(messages.contains("above the limit"))
        f.registry.stop()
    }

    @Test func anUnreadableFolderOrACorruptDatabaseIsAClearStartUpError() throws {
        let data = try TemporaryDirectory()
        var configuration = Configuration()
        configuration.dataDirectory = data.path
        configuration.registryFolder = data("does-not-exist")
        let missing = try #require(throws: StartupError.self) { try Application(configuration: configuration, logger: .disabled()) }
        #expect(missing.message.contains("registry folder unusable"))
        try RegistryTestFiles.write(data("file"), "x")
        configuration.registryFolder = data("file")
        #expect(throws: StartupError.self) { try Application(configuration: configuration, logger: .disabled()) }
        if getuid() != 0 {
            mkdir(data("closed"), 0)
            configuration.registryFolder = data("closed")
            #expect(throws: StartupError.self) { try Application(configuration: configuration, logger: .disabled()) }
        }
        configuration.registryFolder = nil
        let corrupt = try TemporaryDirectory()
        try RegistryTestFiles.write(corrupt("monolith.sqlite"), [UInt8](repeating: 0x42, count: 8192))
        configuration.dataDirectory = corrupt.path
        let error = try #require(throws: StartupError.self) { try Application(configuration: configuration, logger: .disabled()) }
        #expect(error.message.contains("cannot open the database"))
        // The serve command turns it into exit status 1.
        #expect(ServeCommand.run(try CommandLineArguments(parsing: ["--data", corrupt.path, "--port", "0"], options: ServeCommand.options),
                                 environment: [:]) == 1)
    }

    @Test func versionFolderNamesMapToStableNumbers() {
        #expect(RegistryFolderScanner.versionNumber("3", allowPrefix: false) == 3)
        #expect(RegistryFolderScanner.versionNumber("v3", allowPrefix: true) == 3)
        #expect(RegistryFolderScanner.versionNumber("V12", allowPrefix: true) == 12)
        #expect(RegistryFolderScanner.versionNumber("v3", allowPrefix: false) == nil)
        for bad in ["0", "03", "-1", "+1", "1.0", "", "v", "1234567890123456789", "٣"] {
            #expect(RegistryFolderScanner.versionNumber(bad, allowPrefix: true) == nil, "\(bad)")
        }
    }
}
