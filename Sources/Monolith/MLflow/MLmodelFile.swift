/// Reads what the server needs from an MLflow model directory's `MLmodel` file: the file the
/// `onnx` flavor loads (`flavors.onnx.data`, written by `mlflow.onnx.save_model`).
///
/// `MLmodel` is YAML in block style as MLflow writes it (mlflow/models/model.py `to_yaml`):
///
/// ```yaml
/// flavors:
///   onnx:
///     data: model.onnx
///     onnx_version: 1.17.0
///   python_function:
///     loader_module: mlflow.onnx
/// ```
///
/// Only that block structure is read (indentation, `key: value`, comments); anything else
/// in the file is skipped, and a file without an `onnx` flavor is refused naming the
/// flavors it has.
enum MLmodelFile {
    struct Failure: Error, Sendable, Equatable {
        let message: String
    }

    /// The onnx flavor's data path, or why there is none.
    static func onnxDataPath(_ text: String) -> Result<String, Failure> {
        var inFlavors = false
        var flavorIndent: Int?
        var flavors: [String] = []
        var currentFlavor: String?
        var propertyIndent: Int?
        var onnxFound = false
        // "\r\n" is one Character in Swift: split on either line ending.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            let indent = line.prefix { $0 == " " }.count
            let content = stripComment(line.dropFirst(indent))
            if content.isEmpty || content.hasPrefix("#") { continue }
            if indent == 0 {
                if inFlavors { break }
                inFlavors = key(of: content) == "flavors" && value(of: content).isEmpty
                continue
            }
            guard inFlavors else { continue }
            if flavorIndent == nil { flavorIndent = indent }
            guard let flavorIndent, indent >= flavorIndent else { break }
            if indent == flavorIndent {
                guard let name = key(of: content) else { continue }
                flavors.append(name)
                currentFlavor = name
                propertyIndent = nil
                if name == "onnx" { onnxFound = true }
                continue
            }
            guard currentFlavor == "onnx" else { continue }
            if propertyIndent == nil { propertyIndent = indent }
            guard indent == propertyIndent, key(of: content) == "data" else { continue }
            let path = unquote(value(of: content))
            guard !path.isEmpty, !path.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
                return .failure(Failure(message: "the onnx flavor's data is empty or malformed"))
            }
            return .success(path)
        }
        if onnxFound { return .success("model.onnx") }
        if flavors.isEmpty {
            return .failure(Failure(message: "no flavors found: not an MLflow model"))
        }
        return .failure(Failure(message: "the model has no onnx flavor (flavors: \(flavors.map { MLflowFields.printable($0) }.joined(separator: ", "))); this server serves ONNX models: log it with mlflow.onnx"))
    }

    /// `key` of `key: value` or `key:`, nil when the line is not a mapping entry.
    static func key(of content: Substring) -> String? {
        guard let colon = content.firstIndex(of: ":") else { return nil }
        let after = content.index(after: colon)
        guard after == content.endIndex || content[after] == " " else { return nil }
        let key = content[..<colon]
        guard !key.isEmpty, !key.hasPrefix("-") else { return nil }
        return unquote(String(key))
    }

    /// The text after `key:` (trimmed), "" when none.
    static func value(of content: Substring) -> String {
        guard let colon = content.firstIndex(of: ":") else { return "" }
        return String(content[content.index(after: colon)...]).trimmingCharacters(in: " \t")
    }

    /// The line without a trailing ` # comment` (not inside quotes) and trailing blanks.
    static func stripComment(_ content: Substring) -> Substring {
        var quote: Character?
        var previous: Character = " "
        for index in content.indices {
            let c = content[index]
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
            } else if c == "#" && (previous == " " || previous == "\t") {
                return trimTrailing(content[..<index])
            }
            previous = c
        }
        return trimTrailing(content)
    }

    static func trimTrailing(_ text: Substring) -> Substring {
        var end = text.endIndex
        while end > text.startIndex {
            let before = text.index(before: end)
            guard text[before] == " " || text[before] == "\t" else { break }
            end = before
        }
        return text[..<end]
    }

    /// `'x'` or `"x"` → `x`.
    static func unquote(_ text: String) -> String {
        guard text.count >= 2, let first = text.first, first == text.last, first == "'" || first == "\"" else { return text }
        return String(text.dropFirst().dropLast())
    }
}
