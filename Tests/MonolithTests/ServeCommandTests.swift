import Glibc
import HTTPKit
import Testing

/// `monolith serve` as a real process on 127.0.0.1: routes, JSON logs, SIGTERM draining.
@Suite(.serialized) struct ServeCommandTests {
    @Test func servesRootAndHealthWithJSONLogs() throws {
        let child = try ChildProcess(["serve", "--host", "127.0.0.1", "--port", "0"])
        let port = try #require(child.waitForPort(), "no 'server started' line: \(child.output) \(child.errorOutput)")
        let health = try BlockingHTTPClient.request(port: port, path: "/health")
        #expect(health.status == 200)
        #expect(health.headers["content-type"] == "application/json")
        #expect(health.bodyText == #"{"status":"ok"}"#)
        let root = try BlockingHTTPClient.request(port: port, path: "/")
        let json = try JSONParser.parse(root.body)
        #expect(json["name"]?.string == "monolith")
        #expect(json["version"]?.string?.isEmpty == false)
        #expect(json["message"]?.string?.isEmpty == false)
        #expect(json["docs"]?.string == "/docs")
        let missing = try BlockingHTTPClient.request(port: port, path: "/nope")
        #expect(missing.status == 404)
        #expect(missing.bodyText == #"{"error":"not found"}"#)

        child.signal(SIGTERM)
        #expect(try child.wait() == 0)
        for line in child.output.split(separator: "\n") {
            let record = try JSONParser.parse(Array(line.utf8))
            #expect(record["level"]?.string != nil, "\(line)")
            #expect(record["msg"]?.string != nil, "\(line)")
            #expect(record["ts"]?.string?.hasSuffix("Z") == true, "\(line)")
        }
        #expect(child.output.contains("\"msg\":\"server stopped\""))
    }

    @Test func sigtermDrainsAnInFlightRequestAndExitsZero() throws {
        // One loop: with several, the idle connection's loop may see the signal before the
        // busy one's does, and the busy answer could legitimately go out before draining.
        let child = try ChildProcess(["serve", "--host", "127.0.0.1", "--port", "0"],
                                     environment: ["MONOLITH_SHUTDOWN_GRACE": "10", "MONOLITH_EVENT_LOOPS": "1"])
        let port = try #require(child.waitForPort())
        let idle = try BlockingTCPSocket(host: "127.0.0.1", port: port, timeout: .seconds(10))
        try idle.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try idle.receive().count > 0)
        // In flight: the head is in, half of the body has arrived.
        let busy = try BlockingTCPSocket(host: "127.0.0.1", port: port, timeout: .seconds(10))
        try busy.send("POST /health HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabcde")
        usleep(100_000)

        child.signal(SIGTERM)
        #expect(try idle.receive().isEmpty)  // the idle connection is closed right away
        try busy.send("fghij")
        let answer = String(decoding: try busy.receiveUntilClose(), as: UTF8.self)
        #expect(answer.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"))
        #expect(answer.contains("Connection: close\r\n"))
        #expect(try child.wait() == 0)
        #expect(child.output.contains("\"msg\":\"server draining\""))
    }

    @Test func sigintAlsoShutsDownCleanly() throws {
        let child = try ChildProcess(["serve", "--host", "127.0.0.1", "--port", "0", "--log-format", "text"])
        #expect(child.waitForOutput(containing: "server started"))
        child.signal(SIGINT)
        #expect(try child.wait() == 0)
        #expect(child.output.contains(" info monolith: server stopped"))
    }

    @Test func aPortInUseFailsWithStatus1() throws {
        let first = try ChildProcess(["serve", "--host", "127.0.0.1", "--port", "0"])
        let port = try #require(first.waitForPort())
        let second = try ChildProcess(["serve", "--host", "127.0.0.1", "--port", "\(port)"], environment: ["MONOLITH_LOG_LEVEL": "error"])
        #expect(try second.wait() == 1)
        #expect(second.output.contains("\"msg\":\"server failed\""))
        first.signal(SIGTERM)
        #expect(try first.wait() == 0)
    }

    @Test func invalidConfigurationIsAUsageError() throws {
        let badPort = try ChildProcess(["serve"], environment: ["PORT": "99999"])
        #expect(try badPort.wait() == 2)
        #expect(badPort.errorOutput.contains("PORT: invalid port '99999'"))
        let badFlag = try ChildProcess(["serve", "--bogus"])
        #expect(try badFlag.wait() == 2)
        #expect(badFlag.errorOutput.contains("unknown option '--bogus'"))
    }
}
