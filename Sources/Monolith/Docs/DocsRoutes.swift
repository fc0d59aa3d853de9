import HTTPKit

/// `GET /openapi.json`, `GET /docs` (interactive) and `GET /redoc` (reference): the API
/// described as OpenAPI 3.1 and rendered offline by `DocsPage` (no CDN, no web fonts).
struct DocsRoutes: RouteCollection {
    /// The merged OpenAPI document, built once at startup.
    let document: [UInt8]

    init(document: [UInt8]) {
        self.document = document
    }

    /// The docs routes for an API made of `collections`: every one that describes itself
    /// (`OpenAPIDescribing`) contributes its fragment, after the shared components.
    init(describing collections: [any RouteCollection]) throws {
        var fragments = [ServingOpenAPI.common]
        for collection in collections {
            if let described = collection as? any OpenAPIDescribing { fragments.append(described.openAPIFragment) }
        }
        self.init(document: try OpenAPIDocument.build(fragments: fragments))
    }

    func register(on router: Router) {
        let spec = Response.json(bytes: document)
        let docs = DocsRoutes.html(DocsPage.html(style: .interactive, title: "Monolith API"))
        let redoc = DocsRoutes.html(DocsPage.html(style: .reference, title: "Monolith API reference"))
        router.get("/openapi.json") { _, _ in spec }
        router.get("/docs") { _, _ in docs }
        router.get("/redoc") { _, _ in redoc }
    }

    static func html(_ page: String) -> Response {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
        return Response(status: .ok, headers: headers, body: .bytes(Array(page.utf8)))
    }
}
