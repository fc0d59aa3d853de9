import HTTPKit

/// `monolith serve`: runs the HTTP server until SIGTERM/SIGINT, then drains and exits 0.
enum ServeCommand: MonolithCommand {
    static let name = "serve"
    static let summary = "Run the server."
    static let usage = "monolith serve [--data DIR] [--registry DIR] [--host H] [--port P] [--log-level L] [--log-format F] [--shutdown-grace S] [--event-loops N]"
    static var options: [CommandOption] { Configuration.options }
    static let details = """
        Environment: MONOLITH_HOST, PORT, MONOLITH_LOG_LEVEL, MONOLITH_LOG_FORMAT, MONOLITH_SHUTDOWN_GRACE,
        MONOLITH_EVENT_LOOPS, MONOLITH_IO_URING (on|off, default on: a batch of answers in one io_uring
        submission where the kernel allows it), MONOLITH_DATA, MONOLITH_REGISTRY, MONOLITH_POLL_INTERVAL (seconds between
        registry folder scans, default 2), MONOLITH_LOAD_WAIT (seconds a request waits for a loading
        model, default 10), MONOLITH_DEFAULT_MODEL (the model POST /predict serves),
        MONOLITH_MLFLOW_SOURCE_ROOT (the folder MLflow model-versions/create may import local
        ONNX files and MLflow model directories from; unset: local sources are refused)
        (flags override the environment). Logs are JSON lines on stdout, one access line per request.
        The registry folder is imported at start and watched: a new or changed model.onnx becomes a
        version once it has loaded, a removed version folder retires. Layouts: models/<version>/model.onnx
        + metadata.json (+ latest/), or Triton's <model>/<version>/model.onnx.
        GET /health answers while the process runs; GET /health/ready answers 200 once every model is
        loaded (503 with the reason before).
        On SIGTERM or SIGINT the server stops accepting, closes idle connections, lets in-flight
        requests finish within the shutdown grace and exits 0.
        \(GatewayConfiguration.help)
        Exit status: 0 after a clean shutdown, 1 if the server cannot start, 2 on a usage error.
        """

    static func run(_ arguments: CommandLineArguments, environment: [String: String]) -> Int32 {
        let configuration: Configuration
        do {
            configuration = try Configuration.load(environment: environment, arguments: arguments)
        } catch {
            Output.standardError("monolith serve: \(error)\n")
            return 2
        }
        let logger = configuration.makeLogger()
        let defaultModel = environment["MONOLITH_DEFAULT_MODEL"].flatMap { $0.isEmpty ? nil : $0 }
        let application: Application
        do {
            application = try Application(configuration: configuration, logger: logger)
        } catch {
            Output.standardError("monolith serve: \(error)\n")
            logger.critical("cannot start", metadata: ["error": .string(error.message)])
            return 1
        }
        // The registry loads on its own threads while the routes are built and the
        // listeners bound (start-up time is the longer of the two, not their sum);
        // /health/ready answers 503 until it is done.
        application.start()
        defer { application.shutdown() }
        let gateway: Gateway
        do {
            let settings = try GatewayConfiguration.load(environment: environment, logLevel: configuration.logLevel)
            gateway = try application.makeGateway(settings)
        } catch let error as UsageError {
            Output.standardError("monolith serve: \(error)\n")
            return 2
        } catch {
            Output.standardError("monolith serve: \(error)\n")
            logger.critical("cannot start", metadata: ["error": .string("\(error)")])
            return 1
        }
        let responder: GatewayResponder
        do {
            let serving = try makeResponder(application: application, defaultModel: defaultModel, gateway: gateway)
            responder = gateway.responder(wrapping: serving, routeTable: serving.routeTable)
        } catch {
            logger.critical("route table invalid", metadata: ["error": .string("\(error)")])
            return 1
        }
        let serverConfiguration = ServerConfiguration(
            host: configuration.host, port: configuration.port, loopCount: configuration.eventLoops,
            shutdownGrace: configuration.shutdownGrace, handleSignals: true, batchedSends: configuration.batchedSends)
        ProcessLimits.raiseOpenFileLimit()
        do {
            let server = try HTTPServer(configuration: serverConfiguration, responder: responder, logger: logger)
            gateway.start()
            defer { gateway.shutdown() }
            try server.run()
        } catch {
            logger.critical("server failed", metadata: ["error": .string(error.description)])
            return 1
        }
        return 0
    }

    /// The application's routes: the seed routes, the serving API over the registry, and
    /// the docs describing both. To add a route family, write a `RouteCollection` (taking
    /// what it needs from the `Application` in its initializer) and list it here.
    static func makeResponder(application: Application, defaultModel: String?, gateway: Gateway? = nil) throws -> ServingResponder {
        let router = Router()
        var collections: [any RouteCollection] = [
            SeedRoutes(),
            application.mlflowRoutes(),
        ]
        if let gateway { collections.append(GatewayRoutes(gateway: gateway)) }
        for collection in collections { collection.register(on: router) }
        return try ServingRoutes.makeResponder(router: router, environment: application.servingEnvironment(defaultModel: defaultModel),
                                               others: collections)
    }
}

/// A family of routes registered together (seed routes, V2, V1, MLflow, admin…). A
/// collection takes the process state it needs (`Application`, `ServingEnvironment`) in its
/// initializer.
protocol RouteCollection: Sendable {
    func register(on router: Router)
}
