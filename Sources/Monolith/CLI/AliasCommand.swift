import StoreKitLite

/// `monolith alias set|rm NAME ALIAS [VERSION]`: moves or removes an alias in one call.
enum AliasCommand: MonolithCommand {
    static let name = "alias"
    static let summary = "Point an alias of a model at a version, or remove it."
    static let usage = "monolith alias set NAME ALIAS VERSION | monolith alias rm NAME ALIAS [--data DIR]"
    static let options = [Configuration.dataOption]
    static let details = """
        `NAME` alone is served by the version behind the alias `production` when it is set, else
        by the highest ready version; `NAME@ALIAS` picks an alias. `latest` is reserved: it always
        means the highest ready version. The version must be ready. A running server on the same
        data directory follows the change within a second.
        Example: monolith alias set iris-classifier production 2
        Exit status: 0 done, 1 refused (the message says why), 2 usage error.
        """

    static func run(_ arguments: CommandLineArguments, environment: [String: String]) -> Int32 {
        let words = arguments.positionals
        guard let action = words.first, ["set", "rm"].contains(action),
              words.count == (action == "set" ? 4 : 3) else {
            Output.standardError("monolith alias: expected 'set NAME ALIAS VERSION' or 'rm NAME ALIAS'\n\nUsage: \(usage)\n")
            return 2
        }
        let model = words[1], alias = words[2]
        var number: Int64 = 0
        if action == "set" {
            guard let parsed = RegistryFolderScanner.versionNumber(words[3], allowPrefix: true) else {
                Output.standardError("monolith alias: invalid version '\(ServingSnapshot.printable(words[3]))'\n")
                return 2
            }
            number = parsed
        }
        do {
            let (store, _) = try Application.openExistingStores(dataDirectory: Configuration.dataDirectory(environment: environment, arguments: arguments))
            if action == "set" {
                _ = try ModelRegistry.setAlias(alias, model: model, version: number, actor: "cli", in: store)
                Output.standardOutput("\(model)@\(alias) -> version \(number)\n")
            } else {
                try store.deleteAlias(model: model, alias: alias, actor: "cli")
                Output.standardOutput("removed \(model)@\(alias)\n")
            }
            return 0
        } catch let error as RegistryError {
            Output.standardError("monolith alias: \(error.message)\n")
            return 1
        } catch {
            Output.standardError("monolith alias: \(error)\n")
            return 1
        }
    }
}
