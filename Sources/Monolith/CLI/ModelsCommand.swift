import StoreKitLite

/// `monolith models`: lists models with their versions, aliases and status.
enum ModelsCommand: MonolithCommand {
    static let name = "models"
    static let summary = "List models, versions, aliases and status."
    static let usage = "monolith models [--data DIR]"
    static let options = [Configuration.dataOption]
    static let details = """
        Reads the store (safe while a server runs). STATUS is what the store records: ready (validated
        at import or load), loading, or failed (the reason follows the table).
        Exit status: 0 listed, 1 the store cannot be opened.
        """

    static func run(_ arguments: CommandLineArguments, environment: [String: String]) -> Int32 {
        guard arguments.positionals.isEmpty else {
            Output.standardError("monolith models: unexpected argument '\(arguments.positionals[0])'\n\nUsage: \(usage)\n")
            return 2
        }
        do {
            let (store, _) = try Application.openExistingStores(dataDirectory: Configuration.dataDirectory(environment: environment, arguments: arguments))
            Output.standardOutput(table(try store.registrySnapshot()))
            return 0
        } catch {
            Output.standardError("monolith models: \(error)\n")
            return 1
        }
    }

    /// The listing as aligned text columns, then the reasons of failed versions.
    static func table(_ records: RegistrySnapshot) -> String {
        guard !records.models.isEmpty else { return "no models\n" }
        var rows: [[String]] = [["MODEL", "VERSION", "STATUS", "ALIASES", "SHA256", "SIZE", "SOURCE"]]
        var failures: [String] = []
        for name in records.models.keys.sorted() {
            guard let entry = records.models[name] else { continue }
            if entry.versions.isEmpty { rows.append([name, "-", "-", "", "", "", ""]) }
            for version in entry.versions {
                rows.append([
                    name, String(version.version), version.status.rawValue, version.aliases.joined(separator: ","),
                    String(version.sha256.hex.prefix(12)), formatBytes(version.size),
                    "\(version.source.kind.rawValue) \(version.source.location)",
                ])
                if version.status == .failed {
                    failures.append("\(name) version \(version.version): \(version.statusReason)")
                }
            }
        }
        var widths = [Int](repeating: 0, count: rows[0].count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        var text = ""
        for row in rows {
            var line = ""
            for (i, cell) in row.enumerated() {
                line += i == row.count - 1 ? cell : cell.padding(to: widths[i] + 1)
            }
            while line.hasSuffix(" ") { line.removeLast() }
            text += line + "\n"
        }
        if !failures.isEmpty {
            text += "\nfailed:\n"
            for failure in failures { text += "  \(failure)\n" }
        }
        return text
    }

    /// `572 B`, `8.7 KiB`, `1.2 MiB`, `3.0 GiB`.
    static func formatBytes(_ bytes: Int64) -> String {
        guard bytes >= 1024 else { return "\(bytes) B" }
        var value = Double(bytes)
        for unit in ["KiB", "MiB", "GiB", "TiB"] {
            value /= 1024
            if value < 1024 || unit == "TiB" {
                let tenths = Int((value * 10).rounded())
                return "\(tenths / 10).\(tenths % 10) \(unit)"
            }
        }
        return "\(bytes) B"
    }
}
