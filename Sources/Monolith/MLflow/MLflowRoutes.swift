import HTTPKit
import StoreKitLite

/// MLflow's tracking and model-registry REST API (PROTOCOLS.md §4) under
/// `/api/2.0/mlflow/` and, for MLflow's web UI, `/ajax-api/2.0/mlflow/`: the routes the
/// `mlflow` Python client calls (mlflow/store/tracking/rest_store.py,
/// mlflow/store/model_registry/rest_store.py).
///
/// MLflow registered models and versions are the registry's models and versions (one set of
/// tables): a version uploaded through `/api/models` is listed by `model-versions/search`,
/// an alias set here moves what `{m}@alias` serves. GET reads its fields from the query, the
/// other methods from a JSON body (`MLflowFields`); answers are MLflow's JSON (`MLflowJSON`);
/// errors `{"error_code","message"}` (`MLflowAPIErrorRenderer`).
///
/// Access (`RouteAccess`, enforced by the gateway): every route is `admin`, reads included,
/// as every `/api/` route is management (issue 6): tracking data and registry metadata are
/// not for holders of predict keys, and with no admin key configured the API is closed. The
/// scope is declared per endpoint, so a finer split (e.g. a tracking scope) needs no change
/// here but a `RouteAccess` case. Send the key as MLflow does: `MLFLOW_TRACKING_TOKEN=<key>`
/// becomes `Authorization: Bearer <key>`.
struct MLflowRoutes: RouteCollection {
    let service: MLflowService

    /// Where the API is served: the REST prefix and the one MLflow's web UI calls.
    static let prefixes = ["/api/2.0/mlflow", "/ajax-api/2.0/mlflow"]

    /// A route handler: the request's fields, the service, the acting key id.
    typealias Handler = @Sendable (MLflowFields, MLflowService, _ actor: String?) throws -> Response

    /// One endpoint of the API.
    struct Endpoint: Sendable {
        var method: HTTPMethod
        var path: String
        var access: RouteAccess
        var maxBodySize: Int
        var handler: Handler

        init(_ method: HTTPMethod, _ path: String, _ access: RouteAccess, maxBodySize: Int = 1 << 20, _ handler: @escaping Handler) {
            self.method = method
            self.path = path
            self.access = access
            self.maxBodySize = maxBodySize
            self.handler = handler
        }
    }

    /// Every endpoint, registry then tracking.
    static var endpoints: [Endpoint] { MLflowRegistryRoutes.endpoints + MLflowTrackingRoutes.endpoints }

    func register(on router: Router) {
        let service = self.service
        for prefix in MLflowRoutes.prefixes {
            let group = router.group(prefix, errorRenderer: MLflowAPIErrorRenderer())
            for endpoint in MLflowRoutes.endpoints {
                // Every handler reads or writes the store: off the event loop.
                let options = endpoint.access.options(RouteOptions(offload: true, maxBodySize: endpoint.maxBodySize))
                let handler = endpoint.handler
                group.add(endpoint.method, "/" + endpoint.path, options: options) { request, context in
                    let fields = try MLflowFields(request: request)
                    return try handler(fields, service, context.storage[RequestRecordKey.self]?.key?.id)
                }
            }
        }
    }
}

/// What the MLflow handlers work on: the registry (with its stores) and the version importer.
struct MLflowService: Sendable {
    let registry: ModelRegistry
    let importer: MLflowVersionImporter

    init(registry: ModelRegistry, importer: MLflowVersionImporter) {
        self.registry = registry
        self.importer = importer
    }

    var store: MetadataStore { registry.store }

    /// Publishes a change to serving now (the store's change counter would bring it within
    /// the watcher's poll anyway; a failed re-read is logged and left to that poll).
    func refreshServing() {
        do {
            try registry.refresh()
        } catch {
            registry.logger.warning("cannot refresh the registry", metadata: ["error": .string(error.message)])
        }
    }

    /// Refuses to rename or delete a model that has versions the watched registry folder
    /// still holds: its next scan would bring them back under the old name.
    func refuseFolderOwned(_ name: String, action: String) throws {
        guard let root = registry.watchedFolder else { return }
        for version in try store.versions(of: name) where version.source.kind == .registry {
            let location = version.source.location
            if RegistryFiles.isInside(location, root: root), RegistryFiles.stamp(location) != nil {
                throw MLflowError(.invalidParameterValue, "cannot \(action) model '\(name)': version \(version.version) comes from the registry folder (\(location)); change the folder instead")
            }
        }
    }
}

extension Application {
    /// The MLflow routes over this application's registry.
    func mlflowRoutes() -> MLflowRoutes {
        MLflowRoutes(service: MLflowService(registry: registry, importer: mlflowImporter))
    }
}
