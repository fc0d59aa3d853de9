import HTTPKit

/// The fields of one MLflow REST request, read the way MLflow's server reads them
/// (server/handlers.py `_get_request_message`): a GET carries them as query parameters —
/// a repeated field as the parameter repeated — and every other method as a JSON object
/// body (an empty body is `{}`).
///
/// Values are checked against the proto field types with proto3's JSON mapping, which the
/// Python client relies on: int64 may come as a number or a decimal string, a double as a
/// number or `"NaN"`/`"Infinity"`/`"-Infinity"`, a bool as `true`/`false` (or, in a query,
/// any casing of them: `requests` sends Python's `True`). An absent field and a JSON `null`
/// are the same. A wrong type is INVALID_PARAMETER_VALUE naming the field.
struct MLflowFields: Sendable {
    enum Storage: Sendable {
        case query(QueryParameters)
        case json(JSONObject)
    }

    let storage: Storage

    init(query: QueryParameters) { storage = .query(query) }
    init(json: JSONObject) { storage = .json(json) }

    /// Reads a request: its query for GET (and HEAD), its JSON body otherwise.
    init(request: Request) throws {
        if request.method == .get || request.method == .head {
            storage = .query(request.query)
            return
        }
        let bytes = request.body.bytes
        guard bytes.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }) else {
            storage = .json(JSONObject())
            return
        }
        var value = try JSONParser(options: .init(maxDepth: 32, allowNonFiniteNumbers: true)).parse(bytes)
        // Older clients post their JSON double-encoded as a string (handlers.py
        // `_get_normalized_request_json`).
        if case .string(let inner) = value {
            value = try JSONParser(options: .init(maxDepth: 32, allowNonFiniteNumbers: true)).parse(Array(inner.utf8))
        }
        guard case .object(let object) = value else {
            throw MLflowError(.badRequest, "The request body must be a JSON object, not \(value.typeName).")
        }
        storage = .json(object)
    }

    /// The raw JSON value of `name` (nil when absent or null); for queries, its first value.
    private func json(_ name: String) -> JSONValue? {
        switch storage {
        case .query(let query):
            return query[name].map { .string($0) }
        case .json(let object):
            guard let value = object[name], !value.isNull else { return nil }
            return value
        }
    }

    /// Whether the field is present (and not null).
    func has(_ name: String) -> Bool { json(name) != nil }

    // MARK: Scalars

    /// A string field. An integer is accepted as its decimal text (ids are strings in
    /// MLflow's protos, but hand-written clients send `"experiment_id": 1`).
    func string(_ name: String) throws(MLflowError) -> String? {
        switch json(name) {
        case nil: return nil
        case .string(let text)?: return text
        case .integer(let number)?: return String(number)
        case let other?: throw MLflowError.invalid(name, "expected a string, got \(other.typeName)")
        }
    }

    /// A required string field: absent or empty is MLflow's "Missing value" error.
    func required(_ name: String) throws(MLflowError) -> String {
        guard let text = try string(name), !text.isEmpty else { throw MLflowError.missing(name) }
        return text
    }

    /// The first of several spellings of one field (`run_id` / `run_uuid`).
    func required(_ names: [String]) throws(MLflowError) -> String {
        for name in names {
            if let text = try string(name), !text.isEmpty { return text }
        }
        throw MLflowError.missing(names.first ?? "")
    }

    /// An int64 field: a JSON integer or a decimal string.
    func int64(_ name: String) throws(MLflowError) -> Int64? {
        switch json(name) {
        case nil: return nil
        case .integer(let number)?: return number
        case .double(let number)?:
            guard let exact = Int64(exactly: number) else { throw MLflowError.invalid(name, "expected an integer, got \(number)") }
            return exact
        case .string(let text)?:
            guard let number = Int64(text.trimmingCharacters(in: " ")) else {
                throw MLflowError.invalid(name, "expected an integer, got '\(MLflowFields.printable(text))'")
            }
            return number
        case let other?: throw MLflowError.invalid(name, "expected an integer, got \(other.typeName)")
        }
    }

    /// A double field: a number, or (proto3 JSON) a decimal string, `"NaN"`, `"Infinity"`,
    /// `"-Infinity"`.
    func double(_ name: String) throws(MLflowError) -> Double? {
        switch json(name) {
        case nil: return nil
        case .integer(let number)?: return Double(number)
        case .double(let number)?: return number
        case .string(let text)?:
            switch text {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default:
                guard let number = Double(text), number.isFinite else {
                    throw MLflowError.invalid(name, "expected a number, got '\(MLflowFields.printable(text))'")
                }
                return number
            }
        case let other?: throw MLflowError.invalid(name, "expected a number, got \(other.typeName)")
        }
    }

    /// A bool field: JSON true/false, or "true"/"false" in any case.
    func bool(_ name: String) throws(MLflowError) -> Bool? {
        switch json(name) {
        case nil: return nil
        case .bool(let value)?: return value
        case .string(let text)?:
            switch text.lowercased() {
            case "true": return true
            case "false": return false
            default: throw MLflowError.invalid(name, "Invalid boolean value: \(MLflowFields.printable(text)), must be 'true' or 'false'.")
            }
        case let other?: throw MLflowError.invalid(name, "expected a boolean, got \(other.typeName)")
        }
    }

    // MARK: Repeated fields

    /// A repeated string field: the parameter repeated in a query, a JSON array (a single
    /// string is accepted as a one-element list).
    func strings(_ name: String) throws(MLflowError) -> [String] {
        switch storage {
        case .query(let query):
            return query.values(for: name)
        case .json:
            switch json(name) {
            case nil: return []
            case .string(let text)?: return [text]
            case .array(let items)?:
                var out: [String] = []
                for item in items {
                    switch item {
                    case .string(let text): out.append(text)
                    case .integer(let number): out.append(String(number))
                    default: throw MLflowError.invalid(name, "expected an array of strings, found \(item.typeName)")
                    }
                }
                return out
            case let other?: throw MLflowError.invalid(name, "expected an array of strings, got \(other.typeName)")
            }
        }
    }

    /// A repeated message field (`metrics`, `params`, `tags`): each element an object.
    /// A query cannot carry messages: empty there.
    func objects(_ name: String) throws(MLflowError) -> [MLflowFields] {
        guard case .json = storage else { return [] }
        switch json(name) {
        case nil: return []
        case .array(let items)?:
            var out: [MLflowFields] = []
            for item in items {
                guard case .object(let object) = item else {
                    throw MLflowError.invalid(name, "expected an array of objects, found \(item.typeName)")
                }
                out.append(MLflowFields(json: object))
            }
            return out
        case let other?: throw MLflowError.invalid(name, "expected an array, got \(other.typeName)")
        }
    }

    /// A repeated `{key, value}` field (tags, params): in order, keys required, a missing
    /// value is "".
    func keyValues(_ name: String) throws(MLflowError) -> [(key: String, value: String)] {
        var out: [(key: String, value: String)] = []
        for item in try objects(name) {
            let key = try item.required("key")
            out.append((key, try item.string("value") ?? ""))
        }
        return out
    }

    /// Key-value pairs as a dictionary (the last value of a repeated key wins, as MLflow's
    /// stores apply them in order).
    func keyValueDictionary(_ name: String) throws(MLflowError) -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in try keyValues(name) { out[key] = value }
        return out
    }

    /// Input for an error message: bounded, control characters replaced.
    static func printable(_ text: String) -> String { ServingSnapshot.printable(text) }
}
