import HTTPKit
import ModelKit

/// MLflow's scoring server protocol (`mlflow models serve`, `POST /invocations`).
///
/// JSON bodies are objects with exactly one of `dataframe_split`, `dataframe_records`,
/// `instances`, `inputs` (plus optional `params`); `text/csv` bodies are a header row and
/// rows. Frames map to the model's inputs by column name (every input present as a
/// column), or — for a single-input model — all columns in order become its `[rows,
/// columns]` tensor. The answer is `{"predictions": ...}`: each row's value for one
/// output, a list of records (one object per row) for several.
enum MLflowScoringCodec {
    /// The body formats MLflow's scoring server takes.
    enum Format: Sendable, Equatable { case json, csv }

    static let inputFields = ["dataframe_split", "dataframe_records", "instances", "inputs"]

    /// The format for a `Content-Type` value, or a 415 with MLflow's messages.
    static func format(contentType: String?) throws(ServingError) -> Format {
        let parts = (contentType ?? "").split(separator: ";", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: " \t") }
        let mime = parts.first?.lowercased() ?? ""
        for parameter in parts.dropFirst() where !parameter.isEmpty {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: " \t\"") }
            guard pair.count == 2, pair[0].lowercased() == "charset" else {
                throw ServingError(.unsupportedMediaType, "Unrecognized content type parameters: \(parameter).")
            }
            guard ["utf-8", "utf8"].contains(pair[1].lowercased()) else {
                throw ServingError(.unsupportedMediaType, "The scoring server only supports UTF-8")
            }
        }
        switch mime {
        case "application/json": return .json
        case "text/csv": return .csv
        default:
            throw ServingError(.unsupportedMediaType, "This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got '\(contentType ?? "")'.")
        }
    }

    /// Decodes a body into feeds for a model with `signature`.
    static func decode(_ body: [UInt8], format: Format, signature: ModelSignature, limits: ServingLimits) throws(ServingError) -> [String: Tensor] {
        try limits.checkJSON(body.count)
        if format == .csv {
            let table = try CSVTable(parsing: body)
            return try feeds(columns: table.columns, rows: table.rows.map { $0.map(JSONValue.string) }, signature: signature, limits: limits)
        }
        let root: JSONValue
        do {
            root = try JSONParser(options: .init(allowNonFiniteNumbers: true)).parse(body)
        } catch {
            throw .badRequest("Failed to parse input from JSON. Ensure that input is a valid JSON formatted string. Error: \(error)")
        }
        guard case .object(let object) = root else {
            throw .badRequest("The input must be a JSON dictionary with exactly one of the input fields {'dataframe_split', 'dataframe_records', 'instances', 'inputs'}. Received a \(root.typeName == "array" ? "list" : root.typeName).")
        }
        let present = object.keys.filter { inputFields.contains($0) }
        let others = object.keys.filter { !inputFields.contains($0) && $0 != "params" }
        guard present.count == 1, others.isEmpty, let field = present.first, let value = object[field] else {
            throw .badRequest("The input must be a JSON dictionary with exactly one of the input fields {'dataframe_split', 'dataframe_records', 'instances', 'inputs'}. Received dictionary with input fields: [\(object.keys.map { "'\($0)'" }.joined(separator: ", "))].")
        }
        switch field {
        case "dataframe_split":
            guard case .object(let split) = value, case .array(let data)? = split["data"] else {
                throw .badRequest("'dataframe_split' must be an object with 'data' (a list of rows) and optional 'columns'")
            }
            var rows: [[JSONValue]] = []
            rows.reserveCapacity(data.count)
            for row in data {
                guard case .array(let cells) = row else { throw .badRequest("'dataframe_split.data' must be a list of rows (lists)") }
                rows.append(cells)
            }
            var columns: [String]
            switch split["columns"] {
            case nil, .null?:
                columns = (0..<(rows.first?.count ?? 0)).map(String.init)
            case .array(let names)?:
                columns = []
                for name in names {
                    guard case .string(let text) = name else { throw .badRequest("'dataframe_split.columns' must be a list of strings") }
                    columns.append(text)
                }
            case let other?:
                throw .badRequest("'dataframe_split.columns' must be a list of strings, got \(other.typeName)")
            }
            return try feeds(columns: columns, rows: rows, signature: signature, limits: limits)
        case "dataframe_records":
            guard case .array(let records) = value else { throw .badRequest("'dataframe_records' must be a list of objects") }
            var columns: [String] = []
            for record in records {
                guard case .object(let fields) = record else { throw .badRequest("'dataframe_records' must be a list of objects") }
                for key in fields.keys where !columns.contains(key) { columns.append(key) }
            }
            let rows = records.map { record in columns.map { record[$0] ?? .null } }
            return try feeds(columns: columns, rows: rows, signature: signature, limits: limits)
        case "instances":
            guard case .array(let rows) = value else { throw .badRequest("'instances' must be a list") }
            return try FeedBuilder.feeds(rows: rows, signature: signature, limits: limits)
        default:
            return try FeedBuilder.feeds(columns: value, signature: signature, limits: limits)
        }
    }

    /// Feeds from a frame: by column name when every input is a column, else all columns
    /// in order for a single-input model.
    static func feeds(columns: [String], rows: [[JSONValue]], signature: ModelSignature, limits: ServingLimits) throws(ServingError) -> [String: Tensor] {
        for (i, row) in rows.enumerated() where row.count != columns.count {
            throw .badRequest("row \(i) has \(row.count) values but there are \(columns.count) columns")
        }
        if !signature.inputs.isEmpty, signature.inputs.allSatisfy({ columns.contains($0.name) }) {
            var feeds: [String: Tensor] = [:]
            for input in signature.inputs {
                guard let c = columns.firstIndex(of: input.name) else { continue }
                let column = JSONValue.array(rows.map { cell($0[c], for: input) })
                feeds[input.name] = try FeedBuilder.tensor(from: column, for: input, limits: limits)
            }
            return feeds
        }
        guard signature.inputs.count == 1, let input = signature.inputs.first else {
            throw .badRequest("the model's inputs are \(signature.inputNames) but the columns are \(columns.joined(separator: ", ")); name a column after each input")
        }
        let table = JSONValue.array(rows.map { .array($0.map { cell($0, for: input) }) })
        return [input.name: try FeedBuilder.tensor(from: table, for: input, limits: limits)]
    }

    /// A CSV or JSON cell converted toward the input's type: text becomes a number for
    /// numeric inputs (and `True`/`False` a boolean), as pandas reads CSV.
    static func cell(_ value: JSONValue, for input: TensorSignature) -> JSONValue {
        guard case .string(let text) = value, input.dataType != .string else { return value }
        let trimmed = text.trimmingCharacters(in: " ")
        if let integer = Int64(trimmed) { return .integer(integer) }
        if let double = Double(trimmed) { return .double(double) }
        switch trimmed.lowercased() {
        case "true": return .bool(true)
        case "false": return .bool(false)
        default: return value
        }
    }

    /// `{"predictions": ...}` for `outputs`.
    static func encode(_ outputs: [OutputTensor]) throws(ServingError) -> [UInt8] {
        var json = JSONWriter(capacity: 128, nonFiniteStyle: .literals)
        json.beginObject()
        json.key("predictions")
        try RowOutputs.writeRows(outputs, into: &json)
        json.endObject()
        return json.bytes
    }
}

extension String {
    /// The string without leading and trailing characters of `set`.
    func trimmingCharacters(in set: String) -> String {
        let drop = Set(set)
        guard let start = firstIndex(where: { !drop.contains($0) }), let end = lastIndex(where: { !drop.contains($0) }) else { return "" }
        return String(self[start...end])
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String { String(self).trimmingCharacters(in: set) }
}
