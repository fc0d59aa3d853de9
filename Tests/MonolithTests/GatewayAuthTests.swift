import HTTPKit
import StoreKitLite
import Testing
@testable import Monolith

/// Who may call what: management needs an admin key, inference is open unless
/// MONOLITH_AUTH=required, probes stay open, and no spelling of a path gets past the check.
@Suite struct GatewayAuthTests {
    @Test func managementRoutesNeedAnAdminKey() throws {
        let server = try GatewayServer(environment: ["MONOLITH_RATE_LIMIT_AUTH_FAILURES": "off"])
        for (method, target) in [("GET", "/api/models"), ("GET", "/api/keys"), ("POST", "/v2/repository/models/m/unload"),
                                 ("POST", "/v2/repository/index"), ("GET", "/api/models/m/versions/1")] {
            let none = try server.request(method, target)
            #expect(none.status == 401, "\(method) \(target)")
            #expect(none.headers["WWW-Authenticate"]?.hasPrefix("Bearer") == true)
            #expect(none.bodyText.contains("admin API key"))
            let predict = try server.request(method, target, key: server.secret("predict"))
            #expect(predict.status == 403, "\(method) \(target)")
            #expect(predict.bodyText.contains("admin"))
            let admin = try server.request(method, target, key: server.secret("admin"))
            #expect((200..<300).contains(admin.status), "\(method) \(target): \(admin.status) \(admin.bodyText)")
        }
        // X-API-Key works like Bearer; the scheme is case-insensitive (RFC 9110 §11.1).
        #expect(try server.request("GET", "/api/models", headers: [("X-API-Key", server.secret("admin"))]).status == 200)
        #expect(try server.request("GET", "/api/models", headers: [("Authorization", "bearer " + server.secret("admin"))]).status == 200)
        #expect(try server.request("GET", "/api/models", headers: [("Authorization", "Basic " + server.secret("admin"))]).status == 401)
    }

    @Test func withoutAnyAdminKeyManagementIsRefusedAndTheServerSaysHowToMakeOne() throws {
        let server = try GatewayServer(keys: [("predict", .predict)])
        let response = try server.request("GET", "/api/models")
        #expect(response.status == 401)
        #expect(response.bodyText.contains("monolith keys create"))
        let predict = try server.request("POST", "/v2/repository/models/m/load", key: server.secret("predict"))
        #expect(predict.status == 403)
        #expect(predict.bodyText.contains("MONOLITH_ADMIN_KEY"))
        let startup = server.logLines().filter { $0.contains("no admin API key") }
        #expect(startup.count == 1)
        #expect(startup.first?.contains("monolith keys create --name admin --scope admin") == true)
    }

    @Test func bootstrapAdminKeyFromTheEnvironment() throws {
        let secret = "bootstrap-secret-0123456789abcdef"
        let server = try GatewayServer(environment: ["MONOLITH_ADMIN_KEY": secret], keys: [])
        #expect(try server.request("GET", "/api/models", key: secret).status == 200)
        #expect(try server.request("GET", "/api/models", key: secret + "x").status == 401)
        #expect(!server.logLines().contains { $0.contains("no admin API key") })
        expectNoSecrets(server.logLines(), [secret])
    }

    @Test func inferenceIsOpenByDefaultButAWrongKeyIsRefused() throws {
        let server = try GatewayServer()
        #expect(try server.predict().status == 200)
        #expect(try server.predict(key: server.secret("predict")).status == 200)
        #expect(try server.predict(key: server.secret("admin")).status == 200)
        let wrong = try server.predict(key: "mk_000000000000_" + String(repeating: "0", count: 64))
        #expect(wrong.status == 401)
        #expect(wrong.headers["WWW-Authenticate"]?.contains("invalid_token") == true)
        #expect(try server.request("GET", "/health").status == 200)
        #expect(try server.request("GET", "/metrics").status == 200)
    }

    @Test func authRequiredClosesInferenceButNotProbes() throws {
        let server = try GatewayServer(environment: ["MONOLITH_AUTH": "required", "MONOLITH_METRICS_AUTH": "admin"])
        #expect(try server.predict().status == 401)
        #expect(try server.request("GET", "/v2/models/m").status == 401)
        #expect(try server.predict(key: server.secret("predict")).status == 200)
        #expect(try server.request("GET", "/v2/models/m", key: server.secret("predict")).status == 200)
        for probe in ["/health", "/health/ready", "/v2/health/live", "/v2/health/ready", "/ping"] {
            #expect(try server.request("GET", probe).status == 200, "\(probe)")
        }
        #expect(try server.request("GET", "/metrics").status == 401)
        #expect(try server.request("GET", "/metrics", key: server.secret("predict")).status == 403)
        #expect(try server.request("GET", "/metrics", key: server.secret("admin")).status == 200)
    }

    /// Each trick either finds no route or finds the guarded one: never an unguarded 2xx.
    @Test func noPathTrickReachesAGuardedRoute() throws {
        let server = try GatewayServer(environment: ["MONOLITH_RATE_LIMIT_AUTH_FAILURES": "off"])
        let targets = [
            ("GET", "/API/models"), ("GET", "/Api/Models"), ("GET", "//api/models"), ("GET", "/api//models"),
            ("GET", "/api/models/"), ("GET", "/api/models//"), ("GET", "/%61pi/models"), ("GET", "/api/%6dodels"),
            ("GET", "/api%2fmodels"), ("GET", "/api%2Fmodels"), ("GET", "/api/models%2f"), ("GET", "/api/models;x=1"),
            ("GET", "/api;/models"), ("GET", "/api/./models"), ("GET", "/x/../api/models"), ("GET", "/x/%2e%2e/api/models"),
            ("GET", "/v2/models/m/%2e%2e/%2e%2e/%2e%2e/api/models"), ("GET", "/v2/models/..%2f..%2f..%2fapi%2fkeys"),
            ("GET", "http://localhost/api/models"), ("GET", "HTTP://localhost/api/keys"), ("GET", "http://localhost//api/models"),
("GET", "/api/models#x"), ("GET", "/api/models?x=../../health"),
            ("POST", "/v2/repository/models/m/unload/"), ("POST", "/v2//repository/models/m/unload"),
            ("POST", "/v2/repository/models/m/%75nload"), ("POST", "http://localhost/v2/repository/models/m/unload"),
            ("POST", "/V2/repository/models/m/unload"), ("POST", "/v2/models/m/../../repository/models/m/unload"),
            ("POST", "/v2/repository/models/m;/unload"), ("POST", "/predict/../v2/repository/index"),
            ("DELETE", "/api/keys/%2e%2e"), ("POST", "/api/keys/"), ("POST", "http://h/api/keys"),
            ("POST", "/api/models/m/versions"), ("POST", "/api/models/%2e%2e/versions"),
        ]
        for (method, target) in targets {
            let response = try server.request(method, target, body: method == "POST" ? Array("{}".utf8) : [])
            #expect(response.status == 404 || response.status == 405 || response.status == 400 || response.status == 401,
                    "\(method) \(target) answered \(response.status) without a key: \(response.bodyText)")
            let predict = try server.request(method, target, key: server.secret("predict"), body: method == "POST" ? Array("{}".utf8) : [])
            #expect(!(200..<300).contains(predict.status), "\(method) \(target) answered \(predict.status) to a predict key")
        }
        // HEAD runs the GET route, guarded like it.
        let socket = try BlockingTCPSocket(host: "127.0.0.1", port: server.port, timeout: .seconds(10))
        try socket.send(Array("HEAD /api/models HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".utf8))
        let raw = try socket.receiveUntilClose()
        let end = try #require(BlockingHTTPClient.headEnd(raw))
        #expect(BlockingHTTPClient.parseHead(raw[0..<end])?.status == 401)
        // The model is still loaded: no trick unloaded it.
        #expect(try server.predict().status == 200)
    }

    @Test func keysAreManagedOverHTTPAndTakeEffectAtOnce() throws {
        let server = try GatewayServer()
        let admin = server.secret("admin")
        let created = try server.request("POST", "/api/keys", key: admin, body: Array(#"{"name":"ci","scope":"predict"}"#.utf8))
        #expect(created.status == 201)
        #expect(created.headers["Cache-Control"] == "no-store")
        let json = try parseJSON(created.body)
        let secret = try #require(json["key"]?.string)
        let id = try #require(json["id"]?.string)
        #expect(json["scope"]?.string == "predict")
        #expect(try server.predict(key: secret).status == 200)
        #expect(try server.request("GET", "/api/keys", key: secret).status == 403)
        let list = try server.request("GET", "/api/keys", key: admin)
        #expect(list.status == 200)
        #expect(list.bodyText.contains(id))
        #expect(!list.bodyText.contains(secret))
        #expect(!list.bodyText.contains(server.secret("predict")))
        #expect(try server.request("DELETE", "/api/keys/\(id)", key: admin).status == 200)
        #expect(try server.predict(key: secret).status == 401)
        #expect(try server.request("DELETE", "/api/keys/nope", key: admin).status == 404)
        #expect(try server.request("POST", "/api/keys", key: admin, body: Array(#"{"name":"x","scope":"root"}"#.utf8)).status == 400)
        expectNoSecrets(server.logLines(), [secret, admin, server.secret("predict")])
    }

    @Test func everyRouteOfTheApplicationHasAnAccess() throws {
        let server = try GatewayServer()
        let runtime = try #require(server.gateway.currentRuntime)
        #expect(runtime.policy.unclassified.isEmpty)
        for (template, access) in zip(runtime.policy.templates, runtime.policy.access) {
            if template.hasPrefix("/api/") || template.hasPrefix("/v2/repository") { #expect(access == .admin, "\(template)") }
            if template.hasPrefix("/health") || template.hasPrefix("/v2/health") { #expect(access == .public, "\(template)") }
            if template.hasPrefix("/v2/models") || template.hasPrefix("/v1/") || template == "/predict" || template.hasPrefix("/invocations") {
                #expect(access == .inference, "\(template)")
            }
        }
        #expect(RoutePolicy.classify(template: "/something/new") == nil)
        #expect(RoutePolicy(routeTable: [.init(method: .get, template: "/something/new", options: .inline)]).access == [.admin])
    }
}

@Suite struct GatewayDocsTests {
    @Test func gatewayRoutesAreDescribedWithTheirSecurity() throws {
        let server = try GatewayServer()
        let doc = try parseJSON(try server.request("GET", "/openapi.json").body)
        #expect(doc["paths"]?["/metrics"]?["get"] != nil)
        #expect(doc["paths"]?["/api/keys"]?["post"]?["security"] != nil)
        #expect(doc["paths"]?["/api/keys/{id}"]?["delete"] != nil)
        #expect(doc["components"]?["securitySchemes"]?["bearerAuth"]?["scheme"]?.string == "bearer")
        #expect(doc["components"]?["responses"]?["BadRequest"] != nil)
    }
}
