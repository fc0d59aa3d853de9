extension MetadataStore {
    /// Model names: 1...`maximumNameBytes` of ASCII letters, digits, `.`, `_`, `-`, starting
    /// with a letter or digit. Strict because names travel in URL paths, in `name@alias`, in
    /// TF Serving's `name:predict` and in folder names.
    func validateModelName(_ name: String) throws {
        guard !name.isEmpty, name.utf8.count <= limits.maximumNameBytes else {
            throw StoreError(.invalidArgument, "model name must be 1 to \(limits.maximumNameBytes) characters")
        }
        var first = true
        for byte in name.utf8 {
            let alnum = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            let punct = byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            if !(alnum || (punct && !first)) {
                throw StoreError(.invalidArgument, "model name '\(MetadataStore.printable(name))' may only contain letters, digits, '.', '_' and '-', starting with a letter or digit")
            }
            first = false
        }
    }

    /// Aliases: letters, digits, `_`, `-`; not `latest` (it always means the highest ready
    /// version) nor `v<digits>` (reserved by MLflow for version references).
    func validateAlias(_ alias: String) throws {
        guard !alias.isEmpty, alias.utf8.count <= limits.maximumNameBytes else {
            throw StoreError(.invalidArgument, "alias must be 1 to \(limits.maximumNameBytes) characters")
        }
        for byte in alias.utf8 {
            let alnum = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            guard alnum || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") else {
                throw StoreError(.invalidArgument, "alias '\(MetadataStore.printable(alias))' may only contain letters, digits, '_' and '-'")
            }
        }
        let lower = alias.lowercased()
        if lower == "latest" {
            throw StoreError(.invalidArgument, "'latest' is reserved: it always means the highest ready version")
        }
        if lower.hasPrefix("v"), lower.count > 1, lower.dropFirst().allSatisfy(\.isNumber) {
            throw StoreError(.invalidArgument, "alias '\(alias)' is reserved: v<number> refers to a version")
        }
    }

    /// Keys of tags, params and metrics: non-empty, bounded, no control characters.
    func validateKey(_ key: String, what: String) throws {
        guard !key.isEmpty, key.utf8.count <= limits.maximumNameBytes else {
            throw StoreError(.invalidArgument, "\(what) key must be 1 to \(limits.maximumNameBytes) bytes")
        }
        guard !key.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw StoreError(.invalidArgument, "\(what) key '\(MetadataStore.printable(key))' contains control characters")
        }
    }

    func validateText(_ text: String?, what: String, maximum: Int? = nil) throws {
        let maximum = maximum ?? limits.maximumTextBytes
        if let text, text.utf8.count > maximum {
            throw StoreError(.tooLarge, "\(what) is \(text.utf8.count) bytes, over the limit of \(maximum)")
        }
    }

    func validateTags(_ tags: [String: String], what: String) throws {
        guard tags.count <= limits.maximumBatchTags else {
            throw StoreError(.invalidArgument, "at most \(limits.maximumBatchTags) tags at once")
        }
        for (key, value) in tags {
            try validateKey(key, what: what)
            try validateText(value, what: "\(what) '\(key)'", maximum: limits.maximumTagValueBytes)
        }
    }

    /// Checks JSON text with SQLite's own parser (https://www.sqlite.org/json1.html#jvalid)
    /// so that the error names the field rather than a CHECK constraint.
    func validateJSON(_ text: String?, what: String, in db: Database) throws {
        guard let text else { return }
        try validateText(text, what: what, maximum: limits.maximumJSONBytes)
        guard try db.fetchValue(Int64.self, "SELECT json_valid(?)", [text]) == 1 else {
            throw StoreError(.invalidArgument, "\(what) is not valid JSON")
        }
    }

    /// Run ids: 1...64 of letters, digits, `_`, `-` (MLflow makes 32 hex digits).
    func validateRunID(_ runID: String) throws {
        guard !runID.isEmpty, runID.utf8.count <= 64,
              runID.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2D })
        else {
            throw StoreError(.notFound, "run '\(MetadataStore.printable(runID))' not found")
        }
    }

    /// A bounded, control-free rendering of user input for error messages.
    static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(80) {
            out.unicodeScalars.append(scalar.value < 0x20 || scalar.value == 0x7F ? "?" : scalar)
        }
        return text.unicodeScalars.count > 80 ? out + "…" : out
    }
}
