import HTTPKit
import Synchronization

/// `GET /openapi.json`, `GET /docs` (interactive) and `GET /redoc` (reference): the API
/// described as OpenAPI 3.1 and rendered offline by `DocsPage` (no CDN, no web fonts).
///
/// The document and the pages are built on the first request for any of them, not at
/// start: merging the fragments and rendering the pages cost more CPU than the rest of
/// start-up (issue 4's ready-in-milliseconds bar).
struct DocsRoutes: RouteCollection {
    private let pages: DocsPages

    /// The docs routes for an API made of `collections`: every one that describes itself
    /// (`OpenAPIDescribing`) contributes its fragment, after the shared components.
    init(describing collections: [any RouteCollection]) {
        pages = DocsPages {
            [ServingOpenAPI.common] + collections.compactMap { ($0 as? any OpenAPIDescribing)?.openAPIFragment }
        }
    }

    /// The merged OpenAPI document (built now if no request asked for it yet).
    func document() throws -> [UInt8] {
        try pages.built().document
    }

    func register(on router: Router) {
        let pages = self.pages
        router.get("/openapi.json") { _, _ in try pages.built().spec }
        router.get("/docs") { _, _ in try pages.built().docs }
        router.get("/redoc") { _, _ in try pages.built().redoc }
    }
}

/// The docs document and pages, made once on first use; a failure (a fragment that is not
/// valid JSON, a bug the OpenAPI tests catch) is kept and answered as a 500 each time.
final class DocsPages: Sendable {
    struct Built: Sendable {
        let document: [UInt8]
        let spec: Response
        let docs: Response
        let redoc: Response
    }

    private let fragments: @Sendable () -> [String]
    private let cache = Mutex<Result<Built, any Error>?>(nil)

    init(fragments: @escaping @Sendable () -> [String]) {
        self.fragments = fragments
    }

    func built() throws -> Built {
        let result = cache.withLock { cached -> Result<Built, any Error> in
            if let cached { return cached }
            let made = Result { try Self.make(fragments()) }
            cached = made
            return made
        }
        return try result.get()
    }

    private static func make(_ fragments: [String]) throws -> Built {
        let document = try OpenAPIDocument.build(fragments: fragments, everyOperationAnswers: GatewayRoutes.answersOnEveryRoute)
        return Built(
            document: document,
            spec: .json(bytes: document),
            docs: html(DocsPage.html(style: .interactive, title: "Monolith API")),
            redoc: html(DocsPage.html(style: .reference, title: "Monolith API reference")))
    }

    private static func html(_ page: String) -> Response {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
        return Response(status: .ok, headers: headers, body: .bytes(Array(page.utf8)))
    }
}
