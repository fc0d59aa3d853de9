import HTTPKit
import StoreKitLite

/// `monolith import FILE --name NAME [--alias A]`: stores a model file as a new version.
enum ImportCommand: MonolithCommand {
    static let name = "import"
    static let summary = "Import a model file (ONNX) as a new version of a model."
    static let usage = "monolith import FILE --name NAME [--alias A[,B]] [--metadata FILE] [--data DIR]"
    static let options = [
        CommandOption(name: "name", valueName: "NAME", help: "The model's name (created when new)."),
        CommandOption(name: "alias", valueName: "A", help: "Point these aliases (comma-separated) at the new version."),
        CommandOption(name: "metadata", valueName: "FILE", help: "A metadata.json (a JSON object: metrics, params, training info)."),
        Configuration.dataOption,
    ]
    static let details = """
        The file is validated (parsed, every operator checked, shapes inferred) before anything is
        stored; a bad file changes nothing. Works while a server runs on the same data directory:
        the server notices the new version within a second and serves it once loaded.
        Example: monolith import model.onnx --name iris-classifier --alias production
        Exit status: 0 imported, 1 refused (the message says why), 2 usage error.
        """

    static func run(_ arguments: CommandLineArguments, environment: [String: String]) -> Int32 {
        guard arguments.positionals.count == 1, let file = arguments.positionals.first else {
            Output.standardError("monolith import: expected one FILE\n\nUsage: \(usage)\n")
            return 2
        }
        guard let name = arguments["name"], !name.isEmpty else {
            Output.standardError("monolith import: --name is required\n\nUsage: \(usage)\n")
            return 2
        }
        let aliases = (arguments["alias"] ?? "").split(separator: ",").map { String($0) }
        var metadata: String?
        if let path = arguments["metadata"] {
            do {
                metadata = String(decoding: try RegistryFiles.read(path, maxBytes: 1 << 20).bytes, as: UTF8.self)
            } catch {
                Output.standardError("monolith import: \(error.message)\n")
                return 1
            }
        }
        let stores: (MetadataStore, ArtifactStore)
        do {
            stores = try Application.openStores(dataDirectory: Configuration.dataDirectory(environment: environment, arguments: arguments))
        } catch {
            Output.standardError("monolith import: \(error)\n")
            return 1
        }
        let importer = ModelImporter(store: stores.0, artifacts: stores.1, limits: .default)
        let request = ModelImportRequest(name: name, source: VersionSource(kind: .upload, location: file),
                                         metadata: metadata, aliases: aliases)
        do {
            let imported = try importer.importFile(file, request)
            Output.standardOutput(describe(imported))
            return 0
        } catch let error as RegistryError {
            Output.standardError("monolith import: \(error.message)\n")
            return 1
        } catch {
            Output.standardError("monolith import: \(error)\n")
            return 1
        }
    }

    /// What the command prints: the version, its hash, size, aliases and signature.
    static func describe(_ imported: ImportedVersion) -> String {
        let record = imported.record
        var text = "imported \(record.modelName) version \(record.version)\n"
        text += "  sha256   \(record.sha256.hex)\n"
        text += "  size     \(ModelsCommand.formatBytes(record.size))\n"
        if !record.aliases.isEmpty { text += "  aliases  \(record.aliases.joined(separator: ", "))\n" }
        for input in imported.model.inputs { text += "  input    \(input.name): \(input.type)\n" }
        for output in imported.model.outputs { text += "  output   \(output.name): \(output.type)\n" }
        return text
    }
}
