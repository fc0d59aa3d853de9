#if canImport(Glibc)
import Glibc
#endif
import HTTPKit
import Testing
@testable import Monolith

/// `monolith keys` in one process, `monolith serve` in another: created and revoked keys
/// take effect on the running server without a restart, and no key reaches its logs.
@Suite struct GatewayProcessTests {
    static func cli(_ arguments: [String]) throws -> (status: Int32?, output: String, error: String) {
        let process = try ChildProcess(arguments)
        let status = try process.wait()
        return (status, process.output, process.errorOutput)
    }

    @Test func keysFromTheCLIApplyToARunningServer() throws {
        let data = try TemporaryDirectory()
        let admin = try Self.cli(["keys", "create", "--name", "ops", "--scope", "admin", "--data", data.path])
        #expect(admin.status == 0)
        let adminKey = admin.output.trimmingCharacters(in: " \n")
        #expect(adminKey.hasPrefix("mk_"))
        #expect(admin.error.contains("shown only this once"))
        let app = try Self.cli(["keys", "create", "--name", "app", "--data", data.path])
        let appKey = app.output.trimmingCharacters(in: "\n")
        #expect(try Self.cli(["keys", "create", "--name", "x", "--scope", "root", "--data", data.path]).status == 2)
        #expect(try Self.cli(["keys", "create", "--data", data.path]).status == 2)

        let server = try ChildProcess(["serve", "--data", data.path, "--host", "127.0.0.1", "--port", "0", "--event-loops", "2"],
                                      environment: ["MONOLITH_RATE_LIMIT_AUTH_FAILURES": "off"])
        defer { server.signal(SIGTERM); _ = try? server.wait() }
        let port = try #require(server.waitForPort())
        func status(_ target: String, _ key: String?) throws -> Int {
            try BlockingHTTPClient.request(port: port, path: target, headers: key.map { [("Authorization", "Bearer \($0)")] } ?? []).status
        }
        #expect(try status("/api/models", nil) == 401)
        #expect(try status("/api/models", appKey) == 403)
        #expect(try status("/api/models", adminKey) == 200)

        // Created by another process while the server runs: accepted without a restart.
        let late = try Self.cli(["keys", "create", "--name", "late", "--scope", "admin", "--data", data.path])
        let lateKey = late.output.trimmingCharacters(in: "\n")
        #expect(eventually(10) { (try? status("/api/models", lateKey)) == 200 })

        // Revoked by another process: refused without a restart (the server polls every 200 ms).
        let listed = try Self.cli(["keys", "list", "--data", data.path])
        let line = try #require(listed.output.split(separator: "\n").first { $0.contains(" ops ") })
        let id = String(line.prefix { $0 != " " })
        #expect(try Self.cli(["keys", "revoke", id, "--data", data.path]).status == 0)
        #expect(eventually(10) { (try? status("/api/models", adminKey)) == 401 })
        #expect(try status("/api/models", lateKey) == 200)
        #expect(try Self.cli(["keys", "revoke", "nope", "--data", data.path]).status == 1)

        // Lists show ids, never keys; --all shows the revoked one with its time.
        let all = try Self.cli(["keys", "list", "--all", "--data", data.path])
        #expect(all.output.contains(id))
        for key in [adminKey, appKey, lateKey] {
            #expect(!listed.output.contains(key))
            #expect(!all.output.contains(key))
            #expect(!all.output.contains(String(key.suffix(24))))
        }
        let revokedLine = try #require(all.output.split(separator: "\n").first { $0.hasPrefix(id) })
        #expect(!revokedLine.hasSuffix("-"))

        server.signal(SIGTERM)
        #expect(try server.wait() == 0)
        let lines = server.output.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains(#""logger":"monolith.access""#) && $0.contains(#""http.status":403"#) })
        expectNoSecrets(lines + server.errorOutput.split(separator: "\n").map(String.init), [adminKey, appKey, lateKey])
    }
}
