/// The OpenAPI fragment of `/metrics` and `/api/keys`, and the security schemes every
/// guarded route uses (an API key as a Bearer token or in `X-API-Key`).
extension GatewayRoutes: OpenAPIDescribing {
    /// What the gateway may answer on any route, before the route runs: 401 for a key that is
    /// not valid (presented credentials are checked on open routes too) and 429 past a rate
    /// limit or the failed-authentication budget of the client's address.
    static let answersOnEveryRoute: [(status: String, response: String)] = [("401", "Unauthorized"), ("429", "TooManyRequests")]

    var openAPIFragment: String {
        #"""
        {
          "tags": [{"name": "Gateway", "description": "API keys and metrics. Management routes (/api/..., /v2/repository/...) need an admin key; inference and metadata routes need a predict or admin key when MONOLITH_AUTH=required; probes are open. Send the key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'. Every answer carries X-Request-ID and traceparent."}],
          "paths": {
            "/metrics": {"get": {"tags": ["Gateway"], "summary": "Prometheus metrics", "operationId": "metrics",
              "description": "Text exposition format 0.0.4: requests by route template, method and status; request and inference duration histograms; in-flight requests; model loads; rate-limit and authentication refusals; process metrics. Open unless MONOLITH_METRICS_AUTH is required or admin.",
              "responses": {"200": {"description": "The metrics", "content": {"text/plain": {"schema": {"type": "string"}, "example": "monolith_http_requests_in_flight 1\n"}}}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}}}},
            "/api/keys": {
              "get": {"tags": ["Gateway"], "summary": "List API keys", "operationId": "listKeys", "security": [{"bearerAuth": []}, {"apiKeyHeader": []}],
                "description": "Key ids, names and scopes; never a key.",
                "parameters": [{"name": "include_revoked", "in": "query", "required": false, "schema": {"type": "boolean"}}],
                "responses": {"200": {"description": "The keys", "content": {"application/json": {"schema": {"type": "object", "required": ["keys"], "properties": {"keys": {"type": "array", "items": {"$ref": "#/components/schemas/APIKey"}}}}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "429": {"$ref": "#/components/responses/TooManyRequests"}}},
              "post": {"tags": ["Gateway"], "summary": "Create an API key", "operationId": "createKey", "security": [{"bearerAuth": []}, {"apiKeyHeader": []}],
                "description": "The answer holds the key ('key') this once; only its SHA-256 is stored. It works at once, on every server sharing the store within a second.",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "scope": {"type": "string", "enum": ["predict", "admin"], "default": "predict"}}}, "example": {"name": "ci", "scope": "predict"}}}},
                "responses": {"201": {"description": "The new key, with its secret", "content": {"application/json": {"schema": {"allOf": [{"$ref": "#/components/schemas/APIKey"}, {"type": "object", "required": ["key"], "properties": {"key": {"type": "string", "example": "mk_3f2a9c1b7d40_…"}}}]}}}},
                  "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}}}
            },
            "/api/keys/{id}": {
              "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}, "description": "The key id (the 12 hex digits after mk_)"}],
              "get": {"tags": ["Gateway"], "summary": "One API key", "operationId": "getKey", "security": [{"bearerAuth": []}, {"apiKeyHeader": []}],
                "responses": {"200": {"description": "The key", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/APIKey"}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"}}},
              "delete": {"tags": ["Gateway"], "summary": "Revoke an API key", "operationId": "revokeKey", "security": [{"bearerAuth": []}, {"apiKeyHeader": []}],
                "description": "Refused everywhere within a second, without a restart.",
                "responses": {"200": {"description": "The revoked key", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/APIKey"}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"}}}
            }
          },
          "components": {
            "securitySchemes": {
              "bearerAuth": {"type": "http", "scheme": "bearer", "description": "An API key from 'monolith keys create' or POST /api/keys."},
              "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"}
            },
            "schemas": {
              "APIKey": {"type": "object", "required": ["id", "name", "scope", "created_at_ms"], "properties": {
                "id": {"type": "string"}, "name": {"type": "string"}, "scope": {"type": "string", "enum": ["predict", "admin"]},
                "created_at_ms": {"type": "integer"}, "last_used_at_ms": {"type": ["integer", "null"]}, "revoked_at_ms": {"type": ["integer", "null"]}}}
            },
            "responses": {
              "Unauthorized": {"description": "No API key, or not a valid one (WWW-Authenticate: Bearer).", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "Forbidden": {"description": "The key's scope does not allow this route (management needs an admin key).", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "TooManyRequests": {"description": "Over the rate limit (Retry-After says when to retry).", "headers": {"Retry-After": {"schema": {"type": "integer"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
          }
        }
        """#
    }
}
