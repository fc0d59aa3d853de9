import StoreKitLite

/// `monolith keys create|list|revoke`: API keys in the store (safe while a server runs:
/// servers notice changes within a second through the store's change counter).
enum KeysCommand: MonolithCommand {
    static let name = "keys"
    static let summary = "Create, list and revoke API keys."
    static let usage = "monolith keys create --name NAME [--scope predict|admin] | keys list [--all] | keys revoke ID  [--data DIR]"
    static let options = [
        CommandOption(name: "name", valueName: "NAME", help: "create: a name for the key (who or what uses it)."),
        CommandOption(name: "scope", valueName: "S", help: "create: predict (inference, metadata; default) or admin (everything)."),
        CommandOption(name: "all", valueName: nil, help: "list: include revoked keys."),
        Configuration.dataOption,
    ]
    static let details = """
        create prints the new key on stdout, once: only its SHA-256 is stored. Send it as
        'Authorization: Bearer <key>' or 'X-API-Key: <key>'. list and revoke show key ids, never keys.
        A running server applies a created or revoked key within a second, without a restart.
        Exit status: 0 done, 1 the store failed or the key is unknown, 2 usage error.
        """

    static func run(_ arguments: CommandLineArguments, environment: [String: String]) -> Int32 {
        guard let action = arguments.positionals.first else {
            Output.standardError("monolith keys: missing action (create, list or revoke)\n\nUsage: \(usage)\n")
            return 2
        }
        let rest = Array(arguments.positionals.dropFirst())
        func open() -> MetadataStore? {
            do {
                let (store, _) = try Application.openStores(dataDirectory: Configuration.dataDirectory(environment: environment, arguments: arguments))
                return store
            } catch {
                Output.standardError("monolith keys: \(error)\n")
                return nil
            }
        }
        switch action {
        case "create":
            guard rest.isEmpty else { return usageError("unexpected argument '\(rest[0])'") }
            guard let name = arguments["name"], !name.isEmpty else { return usageError("create needs --name NAME") }
            let scopeText = arguments["scope"] ?? "predict"
            guard let scope = APIKeyScope(rawValue: scopeText) else { return usageError("--scope must be predict or admin, got '\(scopeText)'") }
            guard let store = open() else { return 1 }
            do {
                let created = try store.createAPIKey(name: name, scope: scope, actor: "cli")
                Output.standardOutput(created.secret + "\n")
                Output.standardError("created \(scope.rawValue) key \(created.key.id) '\(name)': the key above is shown only this once\n")
                return 0
            } catch {
                Output.standardError("monolith keys create: \(error)\n")
                return 1
            }
        case "list":
            guard rest.isEmpty else { return usageError("unexpected argument '\(rest[0])'") }
            guard let store = open() else { return 1 }
            do {
                Output.standardOutput(table(try store.apiKeys(includeRevoked: arguments.has("all"))))
                return 0
            } catch {
                Output.standardError("monolith keys list: \(error)\n")
                return 1
            }
        case "revoke":
            guard rest.count == 1 else { return usageError("revoke needs exactly one key id") }
            guard let store = open() else { return 1 }
            do {
                let key = try store.revokeAPIKey(id: rest[0], actor: "cli")
                Output.standardOutput("revoked \(key.id) '\(key.name)'\n")
                return 0
            } catch {
                Output.standardError("monolith keys revoke: \(error)\n")
                return 1
            }
        default:
            return usageError("unknown action '\(action)' (create, list or revoke)")
        }
    }

    private static func usageError(_ message: String) -> Int32 {
        Output.standardError("monolith keys: \(message)\n\nUsage: \(usage)\n")
        return 2
    }

    /// Keys as aligned columns: id, name, scope, creation, last use, revocation. No secrets.
    static func table(_ keys: [APIKey]) -> String {
        guard !keys.isEmpty else { return "no keys\n" }
        var rows: [[String]] = [["ID", "NAME", "SCOPE", "CREATED", "LAST USED", "REVOKED"]]
        for key in keys {
            rows.append([key.id, key.name, key.scope.rawValue, formatTime(key.createdAt),
                         key.lastUsedAt.map(formatTime) ?? "-", key.revokedAt.map(formatTime) ?? "-"])
        }
        var widths = [Int](repeating: 0, count: rows[0].count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        var text = ""
        for row in rows {
            var line = ""
            for (i, cell) in row.enumerated() { line += i == row.count - 1 ? cell : cell.padding(to: widths[i] + 1) }
            while line.hasSuffix(" ") { line.removeLast() }
            text += line + "\n"
        }
        return text
    }

    /// Milliseconds since the epoch as `2025-01-31T12:00:00Z`.
    static func formatTime(_ millis: Int64) -> String {
        let prefix = AccessLogFormat.secondPrefix(Int(millis / 1000))
        return String(decoding: prefix.dropLast(), as: UTF8.self) + "Z"
    }
}
