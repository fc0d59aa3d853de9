import HTTPKit

/// Runtime configuration: environment first, command-line flags override (12-factor).
///
/// | variable | flag | default |
/// | --- | --- | --- |
/// | `MONOLITH_HOST` | `--host` | 0.0.0.0 |
/// | `PORT` | `--port` | 8000 |
/// | `MONOLITH_LOG_LEVEL` | `--log-level` | info |
/// | `MONOLITH_LOG_FORMAT` | `--log-format` | json |
/// | `MONOLITH_SHUTDOWN_GRACE` | `--shutdown-grace` | 10 (seconds) |
/// | `MONOLITH_EVENT_LOOPS` | `--event-loops` | CPUs this process may run on |
/// | `MONOLITH_IO_URING` | | on (batched sends where the kernel allows io_uring) |
/// | `MONOLITH_DATA` | `--data` | ./data |
/// | `MONOLITH_REGISTRY` | `--registry` | unset |
/// | `MONOLITH_POLL_INTERVAL` | | 2 (seconds) |
/// | `MONOLITH_LOAD_WAIT` | | 10 (seconds) |
/// | `MONOLITH_MLFLOW_SOURCE_ROOT` | | unset (MLflow local model sources refused) |
struct Configuration: Sendable, Equatable {
    enum LogFormat: String, Sendable {
        case json, text
    }

    var host = "0.0.0.0"
    var port = 8000
    var logLevel: Logger.Level = .info
    var logFormat: LogFormat = .json
    var shutdownGrace: Duration = .seconds(10)
    /// Event-loop threads; nil means one per CPU available to the process.
    var eventLoops: Int?
    /// Send each epoll batch's answers in one io_uring submission when available.
    var batchedSends = true
    /// The SQLite file and the artifact store live here.
    var dataDirectory = "./data"
    /// A registry folder to import and watch.
    var registryFolder: String?
    /// How often the registry folder is scanned.
    var pollInterval: Duration = .seconds(2)
    /// How long a request waits for a model that is loading.
    var loadWait: Duration = .seconds(10)
    /// The folder MLflow `model-versions/create` may import local sources from; nil: none.
    var mlflowSourceRoot: String?

    /// The flags `serve` accepts for these settings.
    static let options: [CommandOption] = [
        CommandOption(name: "host", valueName: "H", help: "Listen address (env MONOLITH_HOST, default 0.0.0.0)."),
        CommandOption(name: "port", valueName: "P", help: "Listen port (env PORT, default 8000)."),
        CommandOption(name: "log-level", valueName: "L", help: "trace|debug|info|notice|warning|error|critical (env MONOLITH_LOG_LEVEL)."),
        CommandOption(name: "log-format", valueName: "F", help: "json|text (env MONOLITH_LOG_FORMAT, default json)."),
        CommandOption(name: "shutdown-grace", valueName: "S", help: "Seconds to finish in-flight requests on SIGTERM (env MONOLITH_SHUTDOWN_GRACE, default 10)."),
        CommandOption(name: "event-loops", valueName: "N", help: "Event-loop threads (env MONOLITH_EVENT_LOOPS, default one per CPU)."),
        dataOption,
        CommandOption(name: "registry", valueName: "DIR", help: "A model registry folder to import and watch (env MONOLITH_REGISTRY)."),
    ]

    /// `--data DIR`, shared by every command that opens the store.
    static let dataOption = CommandOption(name: "data", valueName: "DIR", help: "Data directory: SQLite store + artifacts (env MONOLITH_DATA, default ./data).")

    /// The data directory from `--data`, else `MONOLITH_DATA`, else `./data`.
    static func dataDirectory(environment: [String: String], arguments: CommandLineArguments) -> String {
        if let v = arguments["data"], !v.isEmpty { return v }
        if let v = environment["MONOLITH_DATA"], !v.isEmpty { return v }
        return "./data"
    }

    /// Reads the environment, then applies flags over it.
    static func load(environment: [String: String], arguments: CommandLineArguments) throws(UsageError) -> Configuration {
        var c = Configuration()
        func value(_ flag: String, _ variable: String) -> (String, String)? {
            if let v = arguments[flag] { return (v, "--\(flag)") }
            if let v = environment[variable], !v.isEmpty { return (v, variable) }
            return nil
        }
        if let (v, _) = value("host", "MONOLITH_HOST") { c.host = v }
        if let (v, source) = value("port", "PORT") {
            guard let port = Int(v), (0...65535).contains(port) else { throw UsageError("\(source): invalid port '\(v)'") }
            c.port = port
        }
        if let (v, source) = value("log-level", "MONOLITH_LOG_LEVEL") {
            guard let level = Logger.Level(name: v) else { throw UsageError("\(source): invalid log level '\(v)'") }
            c.logLevel = level
        }
        if let (v, source) = value("log-format", "MONOLITH_LOG_FORMAT") {
            guard let format = LogFormat(rawValue: v.lowercased()) else { throw UsageError("\(source): invalid log format '\(v)' (json or text)") }
            c.logFormat = format
        }
        if let (v, source) = value("shutdown-grace", "MONOLITH_SHUTDOWN_GRACE") {
            guard let grace = parseSeconds(v) else { throw UsageError("\(source): invalid duration '\(v)' (seconds)") }
            c.shutdownGrace = grace
        }
        if let (v, source) = value("event-loops", "MONOLITH_EVENT_LOOPS") {
            guard let n = Int(v), (1...256).contains(n) else { throw UsageError("\(source): invalid event-loop count '\(v)' (1-256)") }
            c.eventLoops = n
        }
        if let v = environment["MONOLITH_IO_URING"], !v.isEmpty {
            switch v.lowercased() {
            case "1", "on", "true", "yes": c.batchedSends = true
            case "0", "off", "false", "no": c.batchedSends = false
            default: throw UsageError("MONOLITH_IO_URING: invalid value '\(v)' (on or off)")
            }
        }
        c.dataDirectory = dataDirectory(environment: environment, arguments: arguments)
        if let (v, _) = value("registry", "MONOLITH_REGISTRY") { c.registryFolder = v }
        if let v = environment["MONOLITH_POLL_INTERVAL"], !v.isEmpty {
            guard let interval = parseSeconds(v), interval >= .milliseconds(10) else {
                throw UsageError("MONOLITH_POLL_INTERVAL: invalid duration '\(v)' (seconds, at least 0.01)")
            }
            c.pollInterval = interval
        }
        if let v = environment["MONOLITH_LOAD_WAIT"], !v.isEmpty {
            guard let wait = parseSeconds(v) else { throw UsageError("MONOLITH_LOAD_WAIT: invalid duration '\(v)' (seconds)") }
            c.loadWait = wait
        }
        if let v = environment[MLflowSourcePolicy.setting], !v.isEmpty {
            guard v.hasPrefix("/") else { throw UsageError("\(MLflowSourcePolicy.setting): '\(v)' must be an absolute path") }
            c.mlflowSourceRoot = v
        }
        return c
    }

    /// `10`, `2.5` or `10s` → a duration; nil for anything else or a negative/huge value.
    static func parseSeconds(_ text: String) -> Duration? {
        let number = text.hasSuffix("s") ? String(text.dropLast()) : text
        guard let seconds = Double(number), seconds.isFinite, seconds >= 0, seconds <= 86_400 else { return nil }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// The process logger: JSON lines or text on stdout at the configured level.
    func makeLogger(label: String = "monolith") -> Logger {
        let handler: any LogHandler = logFormat == .json ? JSONLogHandler() : TextLogHandler()
        return Logger(label: label, handler: handler, logLevel: logLevel)
    }
}
