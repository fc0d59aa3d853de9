import HTTPKit

/// `monolith serve`: runs the HTTP server until SIGTERM/SIGINT, then drains and exits 0.
enum ServeCommand: MonolithCommand {
    static let name = "serve"
    static let summary = "Run the server."
    static let usage = "monolith serve [--host H] [--port P] [--log-level L] [--log-format F] [--shutdown-grace S] [--event-loops N]"
    static var options: [CommandOption] { Configuration.options }
    static let details = """
        Environment: MONOLITH_HOST, PORT, MONOLITH_LOG_LEVEL, MONOLITH_LOG_FORMAT, MONOLITH_SHUTDOWN_GRACE,
        MONOLITH_EVENT_LOOPS
        (flags override the environment). Logs are JSON lines on stdout.
        On SIGTERM or SIGINT the server stops accepting, closes idle connections, lets in-flight
        requests finish within the shutdown grace and exits 0.
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
        let responder: RouterResponder
        do {
            responder = try makeRouter(configuration: configuration, logger: logger).buildResponder()
        } catch {
            logger.critical("route table invalid", metadata: ["error": .string(error.description)])
            return 1
        }
        let serverConfiguration = ServerConfiguration(
            host: configuration.host, port: configuration.port, loopCount: configuration.eventLoops,
            shutdownGrace: configuration.shutdownGrace, handleSignals: true)
        do {
            let server = try HTTPServer(configuration: serverConfiguration, responder: responder, logger: logger)
            try server.run()
        } catch {
            logger.critical("server failed", metadata: ["error": .string(error.description)])
            return 1
        }
        return 0
    }

    /// The application's routes. To add a route family, write a `RouteCollection` and
    /// register it here.
    static func makeRouter(configuration: Configuration, logger: Logger) -> Router {
        let router = Router()
        let collections: [any RouteCollection] = [
            SeedRoutes(),
        ]
        for collection in collections { collection.register(on: router) }
        return router
    }
}

/// A family of routes registered together (seed routes, V2, V1, MLflow, admin…).
protocol RouteCollection {
    func register(on router: Router)
}
