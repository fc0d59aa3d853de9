import HTTPKit
import ModelKit
import Synchronization

/// Model management (PROTOCOLS.md §6, admin scope — the gateway guards these routes):
/// list models, upload a model file as a new version, read or delete a version, move
/// or remove an alias. Errors are `{"error": "..."}`.
///
/// Uploads stream the body to the registry off the event loop (HTTPKit's streaming-body
/// route), so a large file is never held in memory and never stalls other connections.
struct ManagementRoutes: RouteCollection {
    let environment: ServingEnvironment

    /// The largest model file an upload may carry.
    static let maxUploadBytes = ModelLimits.default.maxModelBytes

    /// Content types an upload may declare (or none).
    static let uploadContentTypes: Set<String> = ["application/octet-stream", "application/onnx", "application/x-onnx", "application/x-protobuf"]

    func register(on router: Router) {
        let env = environment
        router.get("/api/models", options: .offloaded) { _, _ in
            Response.json { json in
                json.beginObject()
                json.key("models")
                json.beginArray()
                for name in env.models.modelNames() {
                    guard let status = env.models.status(of: name) else { continue }
                    ManagementRoutes.write(status, into: &json)
                }
                json.endArray()
                json.endObject()
            }
        }
        let upload = RouteOptions(streamingBody: true, maxBodySize: ManagementRoutes.maxUploadBytes)
        router.post("/api/models/{name}/versions", options: upload) { request, context in
            let name = try context.parameters.require("name")
            try ManagementRoutes.checkName(name)
            if let type = request.headers["Content-Type"] {
                let mime = type.split(separator: ";").first.map { $0.trimmingCharacters(in: " \t").lowercased() } ?? ""
                guard ManagementRoutes.uploadContentTypes.contains(mime) else {
                    throw ServingError(.unsupportedMediaType, "the body must be the model file with Content-Type: application/octet-stream, got '\(type)'")
                }
            }
            let body = request.body
            let read: @Sendable () throws -> [UInt8]?
            switch body {
            case .stream(let stream): read = { try stream.read() }
            case .bytes(let bytes):
                let box = OneShot(bytes)
                read = { box.take() }
            }
            let declared = request.headers["Content-Length"].flatMap { Int($0) }
            let details = try env.models.createVersion(name: name, body: ModelUpload(read: read, declaredLength: declared))
            var response = Response.json(status: .created) { json in ManagementRoutes.write(details, into: &json) }
            response.headers.add(name: "Location", value: "/api/models/\(name)/versions/\(details.version)")
            return response
        }
        router.get("/api/models/{name}/versions/{v}", options: .offloaded) { _, context in
            let details = try env.models.versionDetails(name: try context.parameters.require("name"), version: try context.parameters.require("v"))
            return Response.json { json in ManagementRoutes.write(details, into: &json) }
        }
        router.delete("/api/models/{name}/versions/{v}", options: .offloaded) { _, context in
            let name = try context.parameters.require("name"), version = try context.parameters.require("v")
            try env.models.deleteVersion(name: name, version: version)
            return ManagementRoutes.deleted(name: name, "version", version)
        }
        router.put("/api/models/{name}/aliases/{alias}", options: .offloaded) { request, context in
            let name = try context.parameters.require("name"), alias = try context.parameters.require("alias")
            try ManagementRoutes.checkName(alias, what: "alias")
            let version = try ManagementRoutes.aliasTarget(try request.bodyBytes(limit: 1 << 16))
            let details = try env.models.setAlias(name: name, alias: alias, version: version)
            return Response.json { json in ManagementRoutes.write(details, into: &json) }
        }
        router.delete("/api/models/{name}/aliases/{alias}", options: .offloaded) { _, context in
            let name = try context.parameters.require("name"), alias = try context.parameters.require("alias")
            try env.models.removeAlias(name: name, alias: alias)
            return ManagementRoutes.deleted(name: name, "alias", alias)
        }
    }

    /// `{"name": …, "<key>": …, "deleted": true}`: what a successful DELETE answers.
    static func deleted(name: String, _ key: String, _ value: String) -> Response {
        Response.json { json in
            json.beginObject()
            json.key("name"); json.string(name)
            json.key(key); json.string(value)
            json.key("deleted"); json.bool(true)
            json.endObject()
        }
    }

    /// Model and alias names: 1–128 of `A-Z a-z 0-9 . _ -`, not starting with `.` (they
    /// appear in paths and file names; `@` separates an alias in references).
    static func checkName(_ name: String, what: String = "model name") throws(ServingError) {
        let allowed = name.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2E || b == 0x5F || b == 0x2D
        }
        guard !name.isEmpty, name.utf8.count <= 128, allowed, !name.hasPrefix(".") else {
            throw .badRequest("invalid \(what) '\(name)': use 1-128 letters, digits, '.', '_' or '-', not starting with '.'")
        }
    }

    /// The version an alias PUT names: `{"version": "3"}` (a string or an integer).
    static func aliasTarget(_ body: [UInt8]) throws(ServingError) -> String {
        let root: JSONValue
        do { root = try JSONParser().parse(body) } catch { throw .json(error) }
        switch root["version"] {
        case .string(let v)? where !v.isEmpty: return v
        case .integer(let v)? where v >= 0: return String(v)
        default: throw .badRequest("the body must be {\"version\": \"<version>\"}")
        }
    }

    static func write(_ status: ModelStatus, into json: inout JSONWriter) {
        json.beginObject()
        json.key("name"); json.string(status.name)
        json.key("default_version")
        if let version = status.defaultVersion { json.string(version) } else { json.null() }
        json.key("versions")
        json.beginArray()
        for version in status.versions {
            json.beginObject()
            json.key("version"); json.string(version.version)
            json.key("state"); json.string(version.state.rawValue)
            json.key("reason"); json.string(version.reason)
            json.endObject()
        }
        json.endArray()
        json.key("aliases")
        json.beginObject()
        for alias in status.aliases.keys.sorted() {
            json.key(alias)
            json.string(status.aliases[alias] ?? "")
        }
        json.endObject()
        json.endObject()
    }

    static func write(_ details: VersionDetails, into json: inout JSONWriter) {
        json.beginObject()
        json.key("name"); json.string(details.name)
        json.key("version"); json.string(details.version)
        json.key("state"); json.string(details.state.rawValue)
        json.key("reason"); json.string(details.reason)
        json.key("sha256"); json.string(details.sha256)
        json.key("size_bytes"); json.number(details.sizeBytes)
        json.key("created_at_ms"); json.number(details.createdAtMillis)
        json.key("aliases")
        json.beginArray()
        for alias in details.aliases { json.string(alias) }
        json.endArray()
        json.key("inputs"); V2Routes.writeTensorMetadata(details.inputs, into: &json)
        json.key("outputs"); V2Routes.writeTensorMetadata(details.outputs, into: &json)
        json.endObject()
    }
}

/// Hands out a value once (an already-collected body read as a one-chunk stream).
final class OneShot: Sendable {
    private let value: Mutex<[UInt8]?>

    init(_ value: [UInt8]) { self.value = Mutex(value) }

    func take() -> [UInt8]? {
        value.withLock { stored in
            defer { stored = nil }
            return stored
        }
    }
}
