import HTTPKit
import Testing
@testable import Monolith

/// CORS: allowed origins get the headers, preflights are answered from the route table.
@Suite struct GatewayCORSTests {
    @Test func preflightIsAnsweredForAllowedOrigins() throws {
        let server = try GatewayServer(environment: ["MONOLITH_CORS_ORIGINS": "https://app.example.com, http://localhost:5173", "MONOLITH_CORS_MAX_AGE": "300"])
        let preflight = try server.request("OPTIONS", "/v2/models/m/infer", headers: [
            ("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type, authorization"),
        ])
        #expect(preflight.status == 204)
        #expect(preflight.headers["Access-Control-Allow-Origin"] == "https://app.example.com")
        #expect(preflight.headers["Access-Control-Allow-Methods"] == "POST")
        let allowedHeaders = preflight.headers["Access-Control-Allow-Headers"]?.lowercased() ?? ""
        #expect(allowedHeaders.contains("authorization") && allowedHeaders.contains("content-type"))
        #expect(preflight.headers["Access-Control-Max-Age"] == "300")
        #expect(preflight.headers["Vary"]?.contains("Origin") == true)
        #expect(preflight.headers["Access-Control-Allow-Credentials"] == nil)
        // GET routes list HEAD too; a management route's preflight runs no handler and needs no key.
        let models = try server.request("OPTIONS", "/api/models", headers: [("Origin", "http://localhost:5173"), ("Access-Control-Request-Method", "GET")])
        #expect(models.status == 204)
        #expect(models.headers["Access-Control-Allow-Methods"] == "GET, HEAD")
        // Not an allowed origin: refused. An unknown path: 404.
        let other = try server.request("OPTIONS", "/v2/models/m/infer", headers: [("Origin", "https://evil.example"), ("Access-Control-Request-Method", "POST")])
        #expect(other.status == 403)
        #expect(other.headers["Access-Control-Allow-Origin"] == nil)
        #expect(try server.request("OPTIONS", "/nowhere", headers: [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "GET")]).status == 404)
    }

    @Test func actualRequestsCarryTheHeadersOnlyForAllowedOrigins() throws {
        let server = try GatewayServer(environment: ["MONOLITH_CORS_ORIGINS": "https://app.example.com"])
        let allowed = try server.predict(headers: [("Origin", "https://app.example.com")])
        #expect(allowed.status == 200)
        #expect(allowed.headers["Access-Control-Allow-Origin"] == "https://app.example.com")
        #expect(allowed.headers["Vary"] == "Origin")
        #expect(allowed.headers["Access-Control-Expose-Headers"]?.contains("X-Request-ID") == true)
        // Errors carry them too, so browser code can read them.
        let refused = try server.request("GET", "/api/models", headers: [("Origin", "https://app.example.com")])
        #expect(refused.status == 401)
        #expect(refused.headers["Access-Control-Allow-Origin"] == "https://app.example.com")
        let foreign = try server.predict(headers: [("Origin", "https://evil.example")])
        #expect(foreign.status == 200)
        #expect(foreign.headers["Access-Control-Allow-Origin"] == nil)
    }

    @Test func wildcardAndCredentials() throws {
        let any = try #require(try CORSPolicy.parse(origins: "*", credentials: nil, maxAge: nil))
        #expect(any.allowOrigin("https://x.example") == "*")
        let credentialed = try #require(try CORSPolicy.parse(origins: "*", credentials: "true", maxAge: nil))
        #expect(credentialed.allowOrigin("https://x.example") == "https://x.example")
        #expect(try CORSPolicy.parse(origins: nil, credentials: nil, maxAge: nil) == nil)
        let listed = try #require(try CORSPolicy.parse(origins: "HTTPS://App.Example.com/", credentials: nil, maxAge: nil))
        #expect(listed.allows("https://app.example.com"))
        #expect(!listed.allows("https://app.example.com.evil"))
        #expect(!listed.allows("null"))
        // No CORS configured: no headers, and OPTIONS is a plain 405.
        let server = try GatewayServer()
        let response = try server.request("OPTIONS", "/predict", headers: [("Origin", "https://a.example"), ("Access-Control-Request-Method", "POST")])
        #expect(response.status == 405)
        #expect(response.headers["Access-Control-Allow-Origin"] == nil)
    }
}
