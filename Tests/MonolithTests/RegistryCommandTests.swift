import StoreKitLite
import Testing
@testable import Monolith

/// `monolith import`, `monolith models`, `monolith alias` on a data directory.
@Suite struct RegistryCommandTests {
    static func run(_ command: any MonolithCommand.Type, _ words: [String]) throws -> Int32 {
        command.run(try CommandLineArguments(parsing: words, options: command.options), environment: [:])
    }

    @Test func importListAndAliasThroughTheCommands() throws {
        let data = try TemporaryDirectory()
        let files = try TemporaryDirectory()
        try RegistryTestFiles.write(files("one.onnx"), RegistryTestModels.addConstant(1))
        try RegistryTestFiles.write(files("two.onnx"), RegistryTestModels.addConstant(2))
        try RegistryTestFiles.write(files("bad.onnx"), RegistryTestModels.broken)
        try RegistryTestFiles.write(files("meta.json"), #"{"metrics":{"f1":0.8}}"#)
        #expect(try Self.run(ImportCommand.self, [files("one.onnx"), "--name", "iris", "--data", data.path]) == 0)
        #expect(try Self.run(ImportCommand.self, [files("two.onnx"), "--name", "iris", "--alias", "staging,canary",
                                                   "--metadata", files("meta.json"), "--data", data.path]) == 0)
        #expect(try Self.run(ImportCommand.self, [files("bad.onnx"), "--name", "iris", "--data", data.path]) == 1)
        #expect(try Self.run(ImportCommand.self, [files("missing.onnx"), "--name", "iris", "--data", data.path]) == 1)
        #expect(try Self.run(ImportCommand.self, [files("one.onnx"), "--data", data.path]) == 2)
        #expect(try Self.run(AliasCommand.self, ["set", "iris", "production", "1", "--data", data.path]) == 0)
        #expect(try Self.run(AliasCommand.self, ["set", "iris", "production", "7", "--data", data.path]) == 1)
        #expect(try Self.run(AliasCommand.self, ["set", "iris", "latest", "1", "--data", data.path]) == 1)
        #expect(try Self.run(AliasCommand.self, ["rm", "iris", "canary", "--data", data.path]) == 0)
        #expect(try Self.run(AliasCommand.self, ["rm", "iris", "canary", "--data", data.path]) == 1)
        #expect(try Self.run(AliasCommand.self, ["move", "iris", "x", "--data", data.path]) == 2)

        let (store, _) = try Application.openStores(dataDirectory: data.path)
        let records = try store.registrySnapshot()
        let iris = try #require(records.models["iris"])
        #expect(iris.versions.map(\.version) == [1, 2])
        #expect(iris.model.aliases == ["production": 1, "staging": 2])
        #expect(iris.versions[1].metadata?.contains("0.8") == true)
        let table = ModelsCommand.table(records)
        let lines = table.split(separator: "\n")
        #expect(lines.first?.hasPrefix("MODEL") == true)
        #expect(lines.contains { $0.contains("iris") && $0.contains(" 1 ") && $0.contains("production") && $0.contains("ready") })
        #expect(lines.contains { $0.contains("iris") && $0.contains(" 2 ") && $0.contains("staging") })
        #expect(try Self.run(ModelsCommand.self, ["--data", data.path]) == 0)
        // Reading commands never create a store where there is none.
        #expect(try Self.run(ModelsCommand.self, ["--data", data("nothing-here")]) == 1)
        #expect(try Self.run(AliasCommand.self, ["rm", "iris", "staging", "--data", data("nothing-here")]) == 1)
        #expect(RegistryFiles.stamp(data("nothing-here/monolith.sqlite")) == nil)
    }

    @Test func theTableShowsFailuresAndSizes() throws {
        #expect(ModelsCommand.formatBytes(572) == "572 B")
        #expect(ModelsCommand.formatBytes(8894) == "8.7 KiB")
        #expect(ModelsCommand.formatBytes(3 << 30) == "3.0 GiB")
        let empty = try TemporaryDirectory()
        let (store, _) = try Application.openStores(dataDirectory: empty.path)
        #expect(ModelsCommand.table(try store.registrySnapshot()) == "no models\n")
    }

    @Test func serveReadsItsRegistrySettings() throws {
        let arguments = try CommandLineArguments(parsing: ["--data", "/d", "--registry", "/r"], options: ServeCommand.options)
        let c = try Configuration.load(environment: ["MONOLITH_POLL_INTERVAL": "0.5", "MONOLITH_LOAD_WAIT": "3"], arguments: arguments)
        #expect(c.dataDirectory == "/d")
        #expect(c.registryFolder == "/r")
        #expect(c.pollInterval == .milliseconds(500))
        #expect(c.loadWait == .seconds(3))
        let fromEnvironment = try Configuration.load(environment: ["MONOLITH_DATA": "/e", "MONOLITH_REGISTRY": "/f"], arguments: CommandLineArguments())
        #expect(fromEnvironment.dataDirectory == "/e")
        #expect(fromEnvironment.registryFolder == "/f")
        #expect(try Configuration.load(environment: [:], arguments: CommandLineArguments()).dataDirectory == "./data")
        #expect(throws: UsageError.self) { try Configuration.load(environment: ["MONOLITH_POLL_INTERVAL": "0"], arguments: CommandLineArguments()) }
        #expect(throws: UsageError.self) { try Configuration.load(environment: ["MONOLITH_LOAD_WAIT": "soon"], arguments: CommandLineArguments()) }
    }
}
