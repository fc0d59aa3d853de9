#if canImport(Glibc)
import Glibc
#endif
@testable import HTTPKit
import StoreKitLite
import Testing
@testable import Monolith

/// The whole `serve` wiring with the gateway, in-process over 127.0.0.1: a fresh data
/// directory, a registry folder with model `m` (y = x + 1), the gateway configured from
/// `environment`, and every log line (process logs and access log) captured in a file.
final class GatewayServer {
    let data: TemporaryDirectory
    let folder: TemporaryDirectory
    let application: Application
    let gateway: Gateway
    let server: HTTPServer
    let logPath: String
    private let logFD: Int32
    private var thread: pthread_t?

    /// `environment` holds `MONOLITH_*` gateway variables; `keys` are created before start
    /// (name → scope) and returned by `secret(_:)`.
    init(environment: [String: String] = [:], keys: [(String, APIKeyScope)] = [("admin", .admin), ("predict", .predict)],
         logLevel: Logger.Level = .info) throws {
        data = try TemporaryDirectory()
        folder = try TemporaryDirectory()
        try RegistryTestFiles.write(folder("m/1/model.onnx"), RegistryTestModels.addConstant(1))
        logPath = data.path + "/stdout.log"
        logFD = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        var configuration = Configuration()
        configuration.dataDirectory = data.path + "/data"
        configuration.registryFolder = folder.path
        configuration.pollInterval = .milliseconds(20)
        let logger = Logger(label: "monolith", handler: JSONLogHandler(fileDescriptor: logFD), logLevel: logLevel)
        application = try Application(configuration: configuration, logger: logger)
        for (name, scope) in keys {
            let created = try application.store.createAPIKey(name: name, scope: scope)
            secrets[name] = created.secret
            ids[name] = created.key.id
        }
        var settings = try GatewayConfiguration.load(environment: environment, logLevel: logLevel)
        settings.accessLogFD = logFD
        settings.keyPollInterval = .milliseconds(50)
        settings.flushInterval = .milliseconds(20)
        gateway = try application.makeGateway(settings)
        let serving = try ServeCommand.makeResponder(application: application, defaultModel: "m", gateway: gateway)
        let responder = gateway.responder(wrapping: serving, routeTable: serving.routeTable)
        server = try HTTPServer(configuration: ServerConfiguration(host: "127.0.0.1", port: 0, loopCount: 2, workerCount: 2),
                                responder: responder, logger: logger)
        application.start()
        gateway.start()
        let server = self.server
        thread = NativeThread.start(name: "gateway-test") { try? server.run() }
        try #require(eventually { (try? self.request("GET", "/health/ready"))?.status == 200 })
    }

    private(set) var secrets: [String: String] = [:]
    private(set) var ids: [String: String] = [:]

    func secret(_ name: String) -> String { secrets[name] ?? "" }

    deinit {
        server.shutdown()
        if let thread { pthread_join(thread, nil) }
        gateway.shutdown()
        application.shutdown()
        close(logFD)
    }

    var port: Int { server.port }

    /// One request on its own connection; `key` goes in `Authorization: Bearer`.
    func request(_ method: String, _ target: String, key: String? = nil, headers: [(String, String)] = [],
                 body: [UInt8] = []) throws -> BlockingHTTPClient.Response {
        var all = headers
        if let key { all.append(("Authorization", "Bearer \(key)")) }
        if !body.isEmpty { all.append(("Content-Type", "application/json")) }
        return try BlockingHTTPClient.request(port: port, method: method, path: target, headers: all, body: body, timeout: .seconds(30))
    }

    /// The body `predict` sends: one row for model `m` (input `x`, float32 `[N]`).
    static let predictBody = Array(#"{"instances":[1.5]}"#.utf8)

    /// `POST /predict` with one row.
    func predict(key: String? = nil, headers: [(String, String)] = []) throws -> BlockingHTTPClient.Response {
        try request("POST", "/predict", key: key, headers: headers, body: GatewayServer.predictBody)
    }

    /// Every line written to the log file so far (after a flush of the access log).
    func logLines() -> [String] {
        gateway.flushLogs()
        return GatewayServer.read(logPath).split(separator: "\n").map(String.init)
    }

    /// The parsed access-log lines.
    func accessLines() -> [JSONValue] {
        logLines().compactMap { try? parseJSON($0) }.filter { $0["logger"]?.string == "monolith.access" }
    }

    static func read(_ path: String) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            out.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The secrets of `GatewayServer`'s keys must not appear anywhere in `lines`.
func expectNoSecrets(_ lines: [String], _ secrets: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    for line in lines {
        for secret in secrets where !secret.isEmpty {
            #expect(!line.contains(secret), "a log line holds a key: \(line)", sourceLocation: sourceLocation)
            // Nor any long piece of it (a truncated or re-encoded secret).
            let tail = String(secret.suffix(24))
            #expect(!line.contains(tail), "a log line holds part of a key: \(line)", sourceLocation: sourceLocation)
        }
    }
}

/// Runs `program arguments...` with stdin from the file `stdin`; its exit status and its
/// stdout and stderr together.
func runProgram(_ program: String, _ arguments: [String], stdin: String) throws -> (status: Int32, output: String) {
    let outputPath = stdin + ".out"
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv = ([program] + arguments).map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    var pid: pid_t = 0
    guard posix_spawn(&pid, program, &actions, nil, argv, environ) == 0 else {
        throw ChildProcess.SpawnError(description: "cannot run \(program)")
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    return (code, GatewayServer.read(outputPath))
}
