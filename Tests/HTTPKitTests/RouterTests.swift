import Testing
@testable import HTTPKit

@Suite struct RouterTests {
    static func echo(_ name: String) -> RouteHandler {
        { _, context in
            let params = context.parameters.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
            return .text("\(name)|\(context.routeTemplate ?? "-")|\(params)")
        }
    }

    @Test func literalAndParameterRoutes() throws {
        let h = try RouterHarness { r in
            r.get("/", Self.echo("root"))
            r.get("/health", Self.echo("health"))
            r.get("/v2/models/{m}", Self.echo("model"))
            r.get("/v2/models/{m}/versions/{v}", Self.echo("version"))
            r.post("/v2/models/{m}/infer", Self.echo("infer"))
        }
        #expect(h.send(.get, "/").0.bodyText == "root|/|")
        #expect(h.send(.get, "/health").0.bodyText == "health|/health|")
        #expect(h.send(.get, "/v2/models/iris").0.bodyText == "model|/v2/models/{m}|m=iris")
        #expect(h.send(.get, "/v2/models/iris/versions/3?x=1").0.bodyText == "version|/v2/models/{m}/versions/{v}|m=iris,v=3")
        #expect(h.send(.post, "/v2/models/a%20b%2Fc/infer").0.bodyText == "infer|/v2/models/{m}/infer|m=a b/c")
    }

    @Test func tfServingVerbSuffixInsideTheLastSegment() throws {
        let h = try RouterHarness { r in
            r.get("/v1/models/{m}", Self.echo("status"))
            r.post("/v1/models/{m}:predict", Self.echo("predict"))
            r.post("/v1/models/{m}:classify", Self.echo("classify"))
            r.post("/v1/models/{m}/versions/{v}:predict", Self.echo("versioned"))
            r.post("/v1/models/{m}/labels/{l}:predict", Self.echo("labelled"))
        }
        #expect(h.send(.post, "/v1/models/iris:predict").0.bodyText == "predict|/v1/models/{m}:predict|m=iris")
        #expect(h.send(.post, "/v1/models/iris:classify").0.bodyText == "classify|/v1/models/{m}:classify|m=iris")
        #expect(h.send(.post, "/v1/models/iris/versions/2:predict").0.bodyText == "versioned|/v1/models/{m}/versions/{v}:predict|m=iris,v=2")
        #expect(h.send(.post, "/v1/models/iris/labels/prod:predict").0.bodyText == "labelled|/v1/models/{m}/labels/{l}:predict|m=iris,l=prod")
        #expect(h.send(.get, "/v1/models/iris").0.bodyText == "status|/v1/models/{m}|m=iris")
        // ":predict" alone has no model name: it is not the predict route (only `{m}` with GET matches).
        let (bare, _) = h.send(.post, "/v1/models/:predict")
        #expect(bare.status == .methodNotAllowed)
        #expect(bare.headers["allow"] == "GET, HEAD")
    }

    @Test func literalsWinAndFailedBranchesBacktrack() throws {
        let h = try RouterHarness { r in
            r.get("/models/list", Self.echo("list"))
            r.get("/models/{m}", Self.echo("param"))
            r.get("/models/list/extra/deep", Self.echo("deep"))
            r.get("/models/{m}/extra", Self.echo("param-extra"))
        }
        #expect(h.send(.get, "/models/list").0.bodyText == "list|/models/list|")
        #expect(h.send(.get, "/models/other").0.bodyText == "param|/models/{m}|m=other")
        #expect(h.send(.get, "/models/list/extra").0.bodyText == "param-extra|/models/{m}/extra|m=list")
        #expect(h.send(.get, "/models/list/extra/deep").0.bodyText == "deep|/models/list/extra/deep|")
        // Literal segments compare after percent-decoding.
        #expect(h.send(.get, "/models/l%69st").0.bodyText == "list|/models/list|")
    }

    @Test func notFoundIsJSON() throws {
        let h = try RouterHarness { r in r.get("/health", Self.echo("h")) }
        for path in ["/nope", "/health/", "/healthz", "//health"] {
            let (response, context) = h.send(.get, path)
            #expect(response.status == .notFound, "\(path)")
            #expect(response.headers["content-type"] == "application/json")
            #expect(response.bodyText == #"{"error":"not found"}"#)
            #expect(context.routeTemplate == nil)
        }
    }

    @Test func methodNotAllowedListsAllowedMethods() throws {
        let h = try RouterHarness { r in
            r.get("/items/{id}", Self.echo("get"))
            r.delete("/items/{id}", Self.echo("delete"))
        }
        let (response, _) = h.send(.post, "/items/3")
        #expect(response.status == .methodNotAllowed)
        #expect(response.headers["allow"] == "GET, DELETE, HEAD")
        #expect(response.bodyText == #"{"error":"method not allowed"}"#)
    }

    @Test func headIsAnsweredByGet() throws {
        let h = try RouterHarness { r in r.get("/health", Self.echo("h")) }
        let (response, context) = h.send(.head, "/health")
        #expect(response.status == .ok)
        #expect(context.routeTemplate == "/health")
    }

    @Test func requireThrowsA400() throws {
        let h = try RouterHarness { r in
            r.get("/n/{count}") { _, context in
                let n = try context.parameters.require("count", as: Int.self)
                _ = try context.parameters.require("absent")
                return .text("\(n)")
            }
        }
        let (response, _) = h.send(.get, "/n/abc")
        #expect(response.status == .badRequest)
        #expect(response.bodyText == #"{"error":"invalid path parameter 'count'"}"#)
        let (missing, _) = h.send(.get, "/n/3")
        #expect(missing.bodyText == #"{"error":"missing path parameter 'absent'"}"#)
    }

    @Test func unknownErrorsBecomeA500AndALogLine() throws {
        struct Boom: Error {}
        let h = try RouterHarness { r in r.get("/boom") { _, _ in throw Boom() } }
        let (response, _) = h.send(.get, "/boom")
        #expect(response.status == .internalServerError)
        #expect(response.bodyText == #"{"error":"internal server error"}"#)
        let record = try #require(h.logs.records.last)
        #expect(record.level == .error)
        #expect(record.metadata["request.id"] == "test-id")  // every line the context logs names the request
        #expect(record.metadata["error"] == "Boom()")
    }

    @Test func middlewareRunsOutermostFirstAndSeesRenderedErrors() throws {
        struct Tag: Middleware {
            let name: String
            func handle(_ request: Request, context: inout RequestContext, next: (Request, inout RequestContext) throws -> Response) throws -> Response {
                var response = try next(request, &context)
                response.headers.add(name: "X-Trace", value: "\(name):\(response.status.code)")
                return response
            }
        }
        enum KeyID: ContextStorageKey { typealias Value = String }
        struct Auth: Middleware {
            func handle(_ request: Request, context: inout RequestContext, next: (Request, inout RequestContext) throws -> Response) throws -> Response {
                guard request.headers["authorization"] == "Bearer ok" else { throw HTTPError(.unauthorized, message: "missing key") }
                context.storage[KeyID.self] = "key-7"
                return try next(request, &context)
            }
        }
        let h = try RouterHarness { r in
            r.add(middleware: Tag(name: "outer"))
            let admin = r.group("/admin")
            admin.add(middleware: Auth())
            admin.get("/whoami") { _, context in .text(context.storage[KeyID.self] ?? "none") }
            r.get("/fail") { _, _ in throw HTTPError(.conflict, message: "busy") }
        }
        let (denied, _) = h.send(.get, "/admin/whoami")
        #expect(denied.status == .unauthorized)
        #expect(denied.headers.values(for: "x-trace") == ["outer:401"])
        let (allowed, context) = h.send(.get, "/admin/whoami", headers: ["Host": "t", "Authorization": "Bearer ok"])
        #expect(allowed.bodyText == "key-7")
        #expect(context.storage[KeyID.self] == "key-7")
        #expect(h.send(.get, "/fail").0.headers["x-trace"] == "outer:409")
        #expect(h.send(.get, "/missing").0.headers["x-trace"] == "outer:404")
    }

    @Test func groupsRenderErrorsInTheirProtocol() throws {
        struct MLflowRenderer: HTTPErrorRenderer {
            func render(_ error: any Error, path: String?, context: RequestContext) -> Response {
                let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
                let code = status == .notFound ? "RESOURCE_DOES_NOT_EXIST" : "INTERNAL_ERROR"
                return .json(bytes: Array(#"{"error_code":"\#(code)","message":"x"}"#.utf8), status: status)
            }
        }
        let h = try RouterHarness { r in
            let mlflow = r.group("/api/2.0/mlflow", errorRenderer: MLflowRenderer())
            mlflow.get("/registered-models/get") { _, _ in throw HTTPError(.notFound, message: "no model") }
            r.get("/v2/models/{m}") { _, _ in throw HTTPError(.notFound, message: "no model") }
        }
        #expect(h.send(.get, "/api/2.0/mlflow/registered-models/get").0.bodyText.contains("RESOURCE_DOES_NOT_EXIST"))
        #expect(h.send(.get, "/api/2.0/mlflow/unknown").0.bodyText.contains("RESOURCE_DOES_NOT_EXIST"))
        #expect(h.send(.get, "/v2/models/x").0.bodyText == #"{"error":"no model"}"#)
        #expect(h.send(.get, "/api/2.0/mlflowx").0.bodyText == #"{"error":"not found"}"#)
    }

    @Test func routeOptionsComeFromTheRoute() throws {
        let h = try RouterHarness { r in
            r.post("/upload", options: RouteOptions(streamingBody: true, maxBodySize: 1 << 30)) { _, _ in .text("") }
            r.post("/load", options: .offloaded) { _, _ in .text("") }
        }
        #expect(h.options(.post, "/upload") == RouteOptions(offload: true, streamingBody: true, maxBodySize: 1 << 30))
        #expect(h.options(.post, "/load").offload)
        #expect(h.options(.get, "/missing") == .inline)
    }

    @Test func invalidTemplatesAreReported() {
        for template in ["health", "/a/{", "/a/{}", "/a/{x}y", "/a/b{x}", "/a/{x}:"] {
            let router = Router()
            router.get(template) { _, _ in .text("") }
            #expect(throws: RouterError.self, "\(template)") { try router.buildResponder() }
        }
        let router = Router()
        router.get("/a") { _, _ in .text("") }
        router.get("/a") { _, _ in .text("") }
        #expect(throws: RouterError.self) { try router.buildResponder() }
    }
}
