import HTTPKit

/// The routes the seed FastAPI services offered: `GET /` and `GET /health` (PROTOCOLS.md §1).
struct SeedRoutes: RouteCollection {
    func register(on router: Router) {
        router.get("/") { _, _ in SeedRoutes.rootResponse }
        router.get("/health") { _, _ in SeedRoutes.healthResponse }
    }

    /// Service name, version, a one-line message and links to the docs.
    static let rootResponse = Response.json { w in
        w.beginObject()
        w.key("name")
        w.string("monolith")
        w.key("version")
        w.string(MonolithVersion.current)
        w.key("message")
        w.string("Monolith model server is running")
        w.key("docs")
        w.string("/docs")
        w.key("redoc")
        w.string("/redoc")
        w.key("openapi")
        w.string("/openapi.json")
        w.endObject()
    }

    /// Liveness: 200 `{"status":"ok"}` while the process serves. Built once: the hot path
    /// of load balancers and probes costs no allocation here.
    static let healthResponse = Response.json { w in
        w.beginObject()
        w.key("status")
        w.string("ok")
        w.endObject()
    }
}
