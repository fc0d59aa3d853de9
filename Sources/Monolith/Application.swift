import Glibc
import HTTPKit
import StoreKitLite

/// The wired-up process: configuration, logger, metadata store, artifact store and model
/// registry. `ServeCommand` builds one and hands it to every `RouteCollection`.
///
/// Opening checks what can be checked before serving, so that a broken setup is a clear
/// start-up error (exit 1) rather than a crash or a silent empty server: the data directory
/// is created or must be writable, the database must be a SQLite database this version can
/// migrate, the registry folder (when given) must be a readable directory.
final class Application: Sendable {
    let configuration: Configuration
    let logger: Logger
    let store: MetadataStore
    let artifacts: ArtifactStore
    let registry: ModelRegistry
    /// Model load outcomes, for `/metrics`.
    let modelLoads: ModelLoadMetrics
    /// Imports the sources of versions created through the MLflow API.
    let mlflowImporter: MLflowVersionImporter

    /// Opens the stores under `configuration.dataDirectory` and builds the registry (nothing
    /// is loaded until `start`).
    init(configuration: Configuration, logger: Logger) throws(StartupError) {
        ProcessMemory.configure()
        let (store, artifacts) = try Application.openStores(dataDirectory: configuration.dataDirectory)
        if let folder = configuration.registryFolder {
            do {
                _ = try RegistryFolderScanner(root: folder)
            } catch {
                throw StartupError("registry folder unusable: \(error.message)")
            }
        }
        var registryConfiguration = ModelRegistry.Configuration()
        registryConfiguration.registryFolder = configuration.registryFolder
        registryConfiguration.pollInterval = configuration.pollInterval
        registryConfiguration.storePollInterval = min(.milliseconds(500), configuration.pollInterval)
        registryConfiguration.loadWait = configuration.loadWait
        let modelLoads = ModelLoadMetrics()
        registryConfiguration.loadObserver = { model, succeeded in modelLoads.record(model: model, succeeded: succeeded) }
        self.modelLoads = modelLoads
        self.configuration = configuration
        self.logger = logger
        self.store = store
        self.artifacts = artifacts
        self.registry = ModelRegistry(store: store, artifacts: artifacts, configuration: registryConfiguration, logger: logger)
        self.mlflowImporter = MLflowVersionImporter(registry: registry, sourceRoot: configuration.mlflowSourceRoot, logger: logger)
    }

    /// The gateway for this process: keys from the store, load counters from the registry.
    func makeGateway(_ settings: GatewayConfiguration) throws(StartupError) -> Gateway {
        let registry = self.registry
        return try Gateway(configuration: settings, store: store, logger: logger, modelLoads: modelLoads) {
            registry.modelNames().reduce(0) { count, name in
                count + (registry.status(of: name)?.versions.filter { $0.state == .ready }.count ?? 0)
            }
        }
    }

    /// Starts the registry's background work (folder import, loads, watching) and the
    /// MLflow imports a restart interrupted.
    func start() {
        registry.start()
        mlflowImporter.resume()
    }

    /// Stops the registry's background work.
    func shutdown() {
        registry.stop()
    }

    /// Opens (creating when missing) `<data>/monolith.sqlite` and `<data>/artifacts`.
    static func openStores(dataDirectory: String) throws(StartupError) -> (MetadataStore, ArtifactStore) {
        try makeDirectories(dataDirectory)
        let databasePath = dataDirectory + "/monolith.sqlite"
        let store: MetadataStore
        do {
            store = try MetadataStore(path: databasePath)
        } catch {
            throw StartupError("cannot open the database '\(databasePath)': \(error)")
        }
        let artifacts: ArtifactStore
        do {
            artifacts = try ArtifactStore(directory: dataDirectory + "/artifacts")
        } catch {
            throw StartupError("cannot open the artifact store '\(dataDirectory)/artifacts': \(error)")
        }
        return (store, artifacts)
    }

    /// Opens the stores of an existing data directory (commands that only read or change
    /// what is there must not create an empty store somewhere by mistake).
    static func openExistingStores(dataDirectory: String) throws(StartupError) -> (MetadataStore, ArtifactStore) {
        var info = stat()
        guard stat(dataDirectory + "/monolith.sqlite", &info) == 0 else {
            throw StartupError("no store in '\(dataDirectory)' (set --data DIR or MONOLITH_DATA)")
        }
        return try openStores(dataDirectory: dataDirectory)
    }

    /// `mkdir -p`, with a message naming the directory that could not be made.
    static func makeDirectories(_ path: String) throws(StartupError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw StartupError("cannot create the data directory '\(prefix)': \(String(cString: strerror(errno)))")
            }
            prefix += "/"
        }
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw StartupError("the data directory '\(path)' is not a directory")
        }
    }
}

/// Why the process cannot start: printed, then exit 1.
struct StartupError: Error, CustomStringConvertible, Equatable {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
