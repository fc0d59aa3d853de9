import HTTPKit
import StoreKitLite

/// The gateway's own routes: `GET /metrics` and key management under `/api/keys` (admin).
///
/// | route | answer |
/// | --- | --- |
/// | `GET /metrics` | Prometheus text exposition |
/// | `GET /api/keys[?include_revoked=true]` | `{"keys":[{id,name,scope,created_at_ms,last_used_at_ms,revoked_at_ms}]}` — never a secret |
/// | `POST /api/keys` `{"name","scope"}` | 201 with the key record plus `"key"`: the secret, shown this once |
/// | `GET /api/keys/{id}` | one key record |
/// | `DELETE /api/keys/{id}` | revokes; the key record with `revoked_at_ms` |
struct GatewayRoutes: RouteCollection {
    let gateway: Gateway

    func register(on router: Router) {
        let gateway = self.gateway
        router.get("/metrics", options: RouteAccess.metrics.options(.offloaded)) { _, _ in
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: Gateway.contentType)
            return Response(status: .ok, headers: headers, body: .bytes(gateway.renderMetrics()))
        }
        let admin = RouteAccess.admin.options(.offloaded)
        let store = gateway.directory.store
        router.get("/api/keys", options: admin) { request, _ in
            let includeRevoked = ["true", "1", "yes"].contains(request.query["include_revoked"]?.lowercased() ?? "")
            let keys = try GatewayRoutes.storeCall { try store.apiKeys(includeRevoked: includeRevoked) }
            return Response.json { json in
                json.beginObject()
                json.key("keys")
                json.beginArray()
                for key in keys { GatewayRoutes.write(key, secret: nil, into: &json) }
                json.endArray()
                json.endObject()
            }
        }
        router.post("/api/keys", options: admin) { request, context in
            let (name, scope) = try GatewayRoutes.createRequest(try request.body.collect(upTo: 1 << 16))
            let actor = context.storage[RequestRecordKey.self]?.key?.id
            let created = try GatewayRoutes.storeCall { try store.createAPIKey(name: name, scope: scope, actor: actor) }
            gateway.refreshKeys()
            context.logger.notice("API key created", metadata: ["key.id": .string(created.key.id), "key.scope": .string(scope.rawValue)])
            var response = Response.json(status: .created) { json in GatewayRoutes.write(created.key, secret: created.secret, into: &json) }
            response.headers.add(name: "Location", value: "/api/keys/\(created.key.id)")
            // The body holds a secret: no cache may keep it (RFC 9111 §5.2.2.5).
            response.headers.add(name: "Cache-Control", value: "no-store")
            return response
        }
        router.get("/api/keys/{id}", options: admin) { _, context in
            let id = try context.parameters.require("id")
            let key = try GatewayRoutes.storeCall { try store.apiKey(id: id) }
            return Response.json { json in GatewayRoutes.write(key, secret: nil, into: &json) }
        }
        router.delete("/api/keys/{id}", options: admin) { _, context in
            let id = try context.parameters.require("id")
            let actor = context.storage[RequestRecordKey.self]?.key?.id
            let key = try GatewayRoutes.storeCall { try store.revokeAPIKey(id: id, actor: actor) }
            gateway.refreshKeys()
            context.logger.notice("API key revoked", metadata: ["key.id": .string(key.id)])
            return Response.json { json in GatewayRoutes.write(key, secret: nil, into: &json) }
        }
    }

    /// `{"name": "...", "scope": "predict"|"admin"}` (scope defaults to predict).
    static func createRequest(_ body: [UInt8]) throws(HTTPError) -> (String, APIKeyScope) {
        let root: JSONValue
        do { root = try JSONParser().parse(body) } catch {
            throw HTTPError(.badRequest, message: "the body must be {\"name\": \"...\", \"scope\": \"predict\" or \"admin\"}: \(error)")
        }
        guard case .string(let name)? = root["name"], !name.isEmpty else {
            throw HTTPError(.badRequest, message: "'name' is required: {\"name\": \"...\", \"scope\": \"predict\" or \"admin\"}")
        }
        var scope = APIKeyScope.predict
        switch root["scope"] {
        case nil, .null?: break
        case .string(let text)?:
            guard let parsed = APIKeyScope(rawValue: text) else { throw HTTPError(.badRequest, message: "'scope' must be \"predict\" or \"admin\", got '\(text)'") }
            scope = parsed
        default:
            throw HTTPError(.badRequest, message: "'scope' must be \"predict\" or \"admin\"")
        }
        return (name, scope)
    }

    /// Runs a store call, mapping its errors to statuses.
    static func storeCall<T>(_ body: () throws -> T) throws(HTTPError) -> T {
        do {
            return try body()
        } catch let error as StoreError {
            switch error.code {
            case .notFound: throw HTTPError(.notFound, message: error.message)
            case .invalidArgument, .alreadyExists, .tooLarge: throw HTTPError(.badRequest, message: error.message)
            default: throw HTTPError(.internalServerError, message: "the key store failed: \(error.message)")
            }
        } catch {
            throw HTTPError(.internalServerError, message: "the key store failed")
        }
    }

    static func write(_ key: APIKey, secret: String?, into json: inout JSONWriter) {
        json.beginObject()
        json.key("id"); json.string(key.id)
        json.key("name"); json.string(key.name)
        json.key("scope"); json.string(key.scope.rawValue)
        json.key("created_at_ms"); json.number(Int(key.createdAt))
        json.key("last_used_at_ms")
        if let used = key.lastUsedAt { json.number(Int(used)) } else { json.null() }
        json.key("revoked_at_ms")
        if let revoked = key.revokedAt { json.number(Int(revoked)) } else { json.null() }
        if let secret {
            json.key("key"); json.string(secret)
        }
        json.endObject()
    }
}
