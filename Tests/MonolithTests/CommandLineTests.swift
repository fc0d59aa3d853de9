import HTTPKit
import Testing
@testable import Monolith

@Suite struct CommandLineTests {
    let serveOptions = Configuration.options

    @Test func optionsInBothSpellingsPositionalsAndHelp() throws {
        let a = try CommandLineArguments(parsing: ["--port", "9000", "--host=::1", "extra", "-h", "--", "--port"], options: serveOptions)
        #expect(a["port"] == "9000")
        #expect(a["host"] == "::1")
        #expect(a.positionals == ["extra", "--port"])
        #expect(a.has("help"))
    }

    @Test func badCommandLinesAreUsageErrors() {
        #expect(throws: UsageError("unknown option '--nope'")) { try CommandLineArguments(parsing: ["--nope"], options: serveOptions) }
        #expect(throws: UsageError("option '--port' needs a value")) { try CommandLineArguments(parsing: ["--port"], options: serveOptions) }
        #expect(throws: UsageError("unknown option '-p'")) { try CommandLineArguments(parsing: ["-p", "1"], options: serveOptions) }
    }

    @Test func configurationDefaults() throws {
        let c = try Configuration.load(environment: [:], arguments: CommandLineArguments())
        #expect(c == Configuration())
        #expect(c.host == "0.0.0.0" && c.port == 8000 && c.logLevel == .info && c.logFormat == .json)
        #expect(c.shutdownGrace == .seconds(10))
        #expect(c.eventLoops == nil)
    }

    @Test func environmentThenFlags() throws {
        let environment = ["MONOLITH_HOST": "127.0.0.1", "PORT": "9001", "MONOLITH_LOG_LEVEL": "DEBUG",
                           "MONOLITH_LOG_FORMAT": "text", "MONOLITH_SHUTDOWN_GRACE": "2.5", "MONOLITH_EVENT_LOOPS": "3"]
        let fromEnvironment = try Configuration.load(environment: environment, arguments: CommandLineArguments())
        #expect(fromEnvironment.host == "127.0.0.1")
        #expect(fromEnvironment.port == 9001)
        #expect(fromEnvironment.logLevel == .debug)
        #expect(fromEnvironment.logFormat == .text)
        #expect(fromEnvironment.shutdownGrace == .milliseconds(2500))
        #expect(fromEnvironment.eventLoops == 3)
        #expect(fromEnvironment.batchedSends)
        #expect(try !Configuration.load(environment: ["MONOLITH_IO_URING": "off"], arguments: CommandLineArguments()).batchedSends)
        let flags = try CommandLineArguments(parsing: ["--port", "9002", "--shutdown-grace", "1s", "--log-level", "error"], options: serveOptions)
        let overridden = try Configuration.load(environment: environment, arguments: flags)
        #expect(overridden.port == 9002)
        #expect(overridden.shutdownGrace == .seconds(1))
        #expect(overridden.logLevel == .error)
        #expect(overridden.host == "127.0.0.1")
        // An empty variable counts as unset (compose files often pass PORT= through).
        #expect(try Configuration.load(environment: ["PORT": ""], arguments: CommandLineArguments()).port == 8000)
    }

    @Test(arguments: [
        (["PORT": "x"], "PORT: invalid port 'x'"),
        (["PORT": "65536"], "PORT: invalid port '65536'"),
        (["MONOLITH_LOG_LEVEL": "loud"], "MONOLITH_LOG_LEVEL: invalid log level 'loud'"),
        (["MONOLITH_LOG_FORMAT": "xml"], "MONOLITH_LOG_FORMAT: invalid log format 'xml' (json or text)"),
        (["MONOLITH_SHUTDOWN_GRACE": "-1"], "MONOLITH_SHUTDOWN_GRACE: invalid duration '-1' (seconds)"),
        (["MONOLITH_SHUTDOWN_GRACE": "soon"], "MONOLITH_SHUTDOWN_GRACE: invalid duration 'soon' (seconds)"),
        (["MONOLITH_EVENT_LOOPS": "0"], "MONOLITH_EVENT_LOOPS: invalid event-loop count '0' (1-256)"),
        (["MONOLITH_IO_URING": "maybe"], "MONOLITH_IO_URING: invalid value 'maybe' (on or off)"),
    ])
    func invalidValuesNameTheirSource(environment: [String: String], message: String) {
        #expect(throws: UsageError(message)) { try Configuration.load(environment: environment, arguments: CommandLineArguments()) }
    }

    @Test func helpVersionAndUnknownCommands() throws {
        let help = try ChildProcess(["--help"])
        #expect(try help.wait() == 0)
        for command in ["serve", "healthcheck", "version", "help"] { #expect(help.output.contains("  \(command) ")) }
        let serveHelp = try ChildProcess(["help", "serve"])
        #expect(try serveHelp.wait() == 0)
        #expect(serveHelp.output.contains("Usage: monolith serve"))
        #expect(serveHelp.output.contains("--port P"))
        #expect(serveHelp.output.contains("MONOLITH_SHUTDOWN_GRACE"))
        let flagHelp = try ChildProcess(["healthcheck", "--help"])
        #expect(try flagHelp.wait() == 0)
        #expect(flagHelp.output.contains("Usage: monolith healthcheck"))
        let version = try ChildProcess(["version"])
        #expect(try version.wait() == 0)
        #expect(version.output == "monolith \(MonolithVersion.current)\n")
        let unknown = try ChildProcess(["frobnicate"])
        #expect(try unknown.wait() == 2)
        #expect(unknown.errorOutput.contains("unknown command 'frobnicate'"))
        let unknownHelp = try ChildProcess(["help", "frobnicate"])
        #expect(try unknownHelp.wait() == 2)
    }

    @Test func seedRoutesAnswerWithoutASocket() throws {
        let router = Router()
        SeedRoutes().register(on: router)
        let responder = try router.buildResponder()
        var context = RequestContext(logger: .disabled(), requestID: "t")
        let response = responder.respond(to: Request(method: .get, target: "/health"), context: &context)
        guard case .bytes(let body) = response.body else { Issue.record("no body"); return }
        #expect(String(decoding: body, as: UTF8.self) == #"{"status":"ok"}"#)
        #expect(context.routeTemplate == "/health")
    }
}
