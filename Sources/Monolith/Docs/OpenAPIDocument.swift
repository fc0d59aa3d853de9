import HTTPKit

/// A route family that describes its routes for the OpenAPI document.
///
/// The fragment is a JSON object with any of `paths`, `components` (`schemas`,
/// `parameters`, `responses`, `securitySchemes`...) and `tags`, written as the OpenAPI 3.1
/// document would hold them; `OpenAPIDocument` merges every family's fragment. To describe
/// a new family, conform its `RouteCollection` to this protocol.
protocol OpenAPIDescribing {
    var openAPIFragment: String { get }
}

/// The OpenAPI 3.1 document served at `/openapi.json`, merged from route families' fragments.
enum OpenAPIDocument {
    /// Builds the document from `fragments`; throws naming the fragment that is not valid JSON.
    ///
    /// Paths merge by method (two families may describe different methods of one path),
    /// component maps merge by name (a later fragment's entry replaces an earlier one), tags
    /// concatenate without duplicates.
    ///
    /// `everyOperationAnswers` names responses (status, `components/responses` entry) any
    /// operation may give whatever its fragment says — the gateway's 401 for a wrong key and
    /// 429 past a rate limit — added to each operation that does not list that status, when
    /// the merged components define the response.
    static func build(fragments: [String], everyOperationAnswers: [(status: String, response: String)] = [],
                      version: String = MonolithVersion.current) throws -> [UInt8] {
        var paths = JSONObject()
        var components: [(key: String, value: JSONObject)] = []
        var tags: [JSONValue] = []
        for (index, fragment) in fragments.enumerated() {
            let value: JSONValue
            do {
                value = try JSONParser().parse(Array(fragment.utf8))
            } catch {
                throw OpenAPIError(message: "OpenAPI fragment \(index) is not valid JSON: \(error)")
            }
            guard case .object(let root) = value else {
                throw OpenAPIError(message: "OpenAPI fragment \(index) is not a JSON object")
            }
            if case .object(let fragmentPaths)? = root["paths"] {
                for (path, item) in fragmentPaths {
                    if case .object(let existing)? = paths[path], case .object(let added) = item {
                        paths.set(path, .object(existing.merging(added)))
                    } else {
                        paths.set(path, item)
                    }
                }
            }
            if case .object(let fragmentComponents)? = root["components"] {
                for (kind, entries) in fragmentComponents {
                    guard case .object(let entries) = entries else { continue }
                    if let i = components.firstIndex(where: { $0.key == kind }) {
                        components[i].value = components[i].value.merging(entries)
                    } else {
                        components.append((kind, entries))
                    }
                }
            }
            if case .array(let fragmentTags)? = root["tags"] {
                for tag in fragmentTags where !tags.contains(where: { $0["name"] == tag["name"] }) { tags.append(tag) }
            }
        }
        let defined = components.first { $0.key == "responses" }?.value
        let shared = everyOperationAnswers.filter { defined?[$0.response] != nil }
        if !shared.isEmpty {
            paths = Self.adding(shared, to: paths)
        }
        let document: JSONValue = .object(JSONObject([
            ("openapi", .string("3.1.0")),
            ("info", .object(JSONObject([
                ("title", .string("Monolith")),
                ("version", .string(version)),
                ("description", .string(description)),
                ("license", .object(JSONObject([("name", .string("Apache-2.0")), ("identifier", .string("Apache-2.0"))]))),
            ]))),
            ("tags", .array(tags)),
            ("paths", .object(paths)),
            ("components", .object(JSONObject(components.map { ($0.key, JSONValue.object($0.value)) }))),
        ]))
        var json = JSONWriter(capacity: 64 << 10)
        json.value(document)
        return json.bytes
    }

    private static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// `paths` with each operation's responses completed by `shared` statuses it lacks.
    private static func adding(_ shared: [(status: String, response: String)], to paths: JSONObject) -> JSONObject {
        var result = JSONObject()
        for (path, item) in paths {
            guard case .object(var operations) = item else {
                result.set(path, item)
                continue
            }
            for (method, operation) in operations where methods.contains(method) {
                guard case .object(var body) = operation, case .object(var responses)? = body["responses"] else { continue }
                for (status, response) in shared where responses[status] == nil {
                    responses.set(status, .object(JSONObject([("$ref", .string("#/components/responses/\(response)"))])))
                }
                body.set("responses", .object(responses))
                operations.set(method, .object(body))
            }
            result.set(path, .object(operations))
        }
        return result
    }

    static let description = """
        One binary serving ONNX models over the protocols clients already speak: the seed \
        `/predict`, the Open Inference Protocol (KServe V2, with Triton's binary tensor data, \
        classification and model repository extensions), TensorFlow Serving's REST API (KServe V1) \
        and MLflow's scoring server; plus model management. A model name may carry an alias as \
        `name@alias`; without one it resolves to the version behind alias `production`, else the \
        highest ready version (`latest`).
        """
}

/// A fragment of the OpenAPI document could not be merged.
struct OpenAPIError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

extension JSONObject {
    /// Sets `key` (replacing the last member of that name, else appending).
    mutating func set(_ key: String, _ value: JSONValue) {
        if let i = members.lastIndex(where: { $0.key == key }) {
            members[i].value = value
        } else {
            members.append((key, value))
        }
    }

    /// This object with `other`'s members set over it.
    func merging(_ other: JSONObject) -> JSONObject {
        var result = self
        for (key, value) in other { result.set(key, value) }
        return result
    }
}
