import Glibc
import Testing
@testable import HTTPKit

@Suite struct LoggerTests {
    @Test func recordsBelowTheLevelAreNeverBuilt() {
        let memory = InMemoryLogHandler()
        let logger = Logger(label: "t", handler: memory, logLevel: .warning)
        var built = 0
        func expensive() -> Logger.Message { built += 1; return "built" }
        logger.debug(expensive())
        logger.info(expensive())
        logger.warning(expensive())
        logger.critical(expensive())
        #expect(built == 2)
        #expect(memory.records.map(\.level) == [.warning, .critical])
    }

    @Test func metadataIsOrderedScopedAndMerged() {
        let memory = InMemoryLogHandler()
        var logger = Logger(label: "svc", handler: memory, metadata: ["service": "monolith"])
        logger[metadataKey: "request.id"] = "r-1"
        var child = logger
        child[metadataKey: "model.name"] = "iris"
        child.info("model loaded", metadata: ["model.version": 3, "request.id": "r-2"])
        logger.info("other")
        let records = memory.records
        #expect(records[0].metadata.entries.map(\.key) == ["service", "request.id", "model.name", "model.version"])
        #expect(records[0].metadata["request.id"] == "r-2")
        #expect(records[1].metadata["model.name"] == nil)
        #expect(records[1].label == "svc")
    }

    @Test func jsonLinesAreValidJSONWithEscaping() throws {
        let record = LogRecord(label: "monolith", level: .error, message: "quote \" backslash \\ newline \n tab \t é 🚀",
                               metadata: ["request.id": "a\u{1}b", "count": 3, "ratio": 0.5, "ok": true, "list": ["x", 1]],
                               file: "F.swift", line: 1)
        var out: [UInt8] = []
        JSONLogHandler.format(record, into: &out)
        #expect(!out.contains(0x0A))
        let json = try JSONParser.parse(out)
        #expect(json["level"]?.string == "error")
        #expect(json["logger"]?.string == "monolith")
        #expect(json["msg"]?.string == "quote \" backslash \\ newline \n tab \t é 🚀")
        #expect(json["request.id"]?.string == "a\u{1}b")
        #expect(json["count"] == .integer(3))
        #expect(json["ok"] == .bool(true))
        #expect(json["list"]?.array?.count == 2)
        let ts = try #require(json["ts"]?.string)
        #expect(ts.count == 24 && ts.hasSuffix("Z") && ts.dropFirst(10).first == "T")
    }

    @Test func jsonHandlerWritesOneLinePerRecord() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let logger = Logger(label: "l", handler: JSONLogHandler(fileDescriptor: fds[1]))
        logger.info("one")
        logger.info("two", metadata: ["k": "v"])
        close(fds[1])
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(fds[0], &buffer, buffer.count)
        let lines = String(decoding: buffer[0..<max(0, n)], as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(try JSONParser.parse(Array(lines[1].utf8))["k"]?.string == "v")
    }

    @Test func levelsParseFromConfiguration() {
        #expect(Logger.Level(name: "WARN") == .warning)
        #expect(Logger.Level(name: "critical") == .critical)
        #expect(Logger.Level(name: "verbose") == nil)
    }

    @Test func everyRequestGetsALoggerCarryingItsRequestID() throws {
        let env = try FakeEnvironment { r in
            r.get("/work") { _, context in
                context.logger.info("handling")
                return .text("ok")
            }
        }
        let memory = InMemoryLogHandler()
        env.baseLogger = Logger(label: "http", handler: memory)
        let c = env.connection()
        c.receive("GET /work HTTP/1.1\r\nHost: a\r\nX-Request-ID: given-1\r\n\r\nGET /work HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(memory.records.map { $0.metadata["request.id"] } == ["given-1", "id-1"])
        #expect(memory.records.allSatisfy { $0.message == "handling" })
    }
}
