#if canImport(Glibc)
import Glibc
#endif
import Dispatch
@testable import HTTPKit
import StoreKitLite
import Synchronization
import Testing
@testable import Monolith

/// The whole `serve` wiring over 127.0.0.1: the application (stores + registry folder), the
/// serving routes resolving through the registry, readiness, uploads, and zero downtime
/// through HTTP while versions are dropped in and aliases move.
@Suite(.serialized) final class RegistryLoopbackTests {
    let data: TemporaryDirectory
    let folder: TemporaryDirectory
    let application: Application
    let server: HTTPServer
    private var thread: pthread_t?

    init() throws {
        data = try TemporaryDirectory()
        folder = try TemporaryDirectory()
        try RegistryTestFiles.write(folder("m/1/model.onnx"), RegistryTestModels.addConstant(1))
        var configuration = Configuration()
        configuration.dataDirectory = data.path
        configuration.registryFolder = folder.path
        configuration.pollInterval = .milliseconds(20)
        let logger = Logger(label: "test", handler: InMemoryLogHandler(), logLevel: .error)
        application = try Application(configuration: configuration, logger: logger)
        let responder = try ServeCommand.makeResponder(application: application, defaultModel: "m")
        server = try HTTPServer(configuration: ServerConfiguration(host: "127.0.0.1", port: 0, loopCount: 2, workerCount: 2),
                                responder: responder, logger: logger)
        let server = self.server
        thread = NativeThread.start(name: "registry-test") { try? server.run() }
    }

    deinit {
        server.shutdown()
        if let thread { pthread_join(thread, nil) }
        application.shutdown()
    }

    func send(_ method: String, _ path: String, body: [UInt8] = [], type: String = "application/json") throws -> BlockingHTTPClient.Response {
        try Self.send(port: server.port, method, path, body: body, type: type)
    }

    func infer(_ path: String, _ x: Float) throws -> (Int, Float?, String?) {
        try Self.infer(port: server.port, path, x)
    }

    static func send(port: Int, _ method: String, _ path: String, body: [UInt8] = [], type: String = "application/json") throws -> BlockingHTTPClient.Response {
        try BlockingHTTPClient.request(port: port, method: method, path: path, headers: body.isEmpty ? [] : [("Content-Type", type)],
                                       body: body, timeout: .seconds(30))
    }

    /// V2 infer on `path` with x; returns (status, y, model_version).
    static func infer(port: Int, _ path: String, _ x: Float) throws -> (Int, Float?, String?) {
        let response = try send(port: port, "POST", path, body: Array(#"{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[\#(x)]}]}"#.utf8))
        let json = try? parseJSON(response.body)
        let y = json?["outputs"]?.array?.first?["data"]?.array?.first?.double.map { Float($0) }
        return (response.status, y, json?["model_version"]?.string)
    }

    @Test func readinessFollowsTheStartUpLoadAndUploadsServe() throws {
        let notYet = try send("GET", "/health/ready")
        #expect(notYet.status == 503)
        #expect(notYet.bodyText.contains("start-up"))
        #expect(try send("GET", "/health").status == 200)
        application.start()
        #expect(try eventually { try send("GET", "/health/ready").status == 200 })
        let (status, y, version) = try infer("/v2/models/m/infer", 1)
        #expect(status == 200 && y == 2 && version == "1")

        // Upload a new version over HTTP: it answers with sha256 and signature, and serves.
        let upload = try send("POST", "/api/models/m/versions", body: RegistryTestModels.addConstant(50), type: "application/octet-stream")
        #expect(upload.status == 201)
        let details = try parseJSON(upload.body)
        #expect(details["sha256"]?.string == SHA256.hash(RegistryTestModels.addConstant(50)).hex)
        #expect(upload.bodyText.contains(#""name":"x""#))
        let uploaded = try #require(details["version"]?.string)
        #expect(try infer("/v2/models/m/versions/\(uploaded)/infer", 1).1 == 51)

        // A bad upload is a 400 naming the problem, and nothing changes.
        let bad = try send("POST", "/api/models/m/versions", body: RegistryTestModels.unknownOperator(), type: "application/octet-stream")
        #expect(bad.status == 400)
        #expect(bad.bodyText.contains("Axx"))
        #expect(try application.store.versions(of: "m").count == 2)
        #expect(try send("GET", "/v2/models/nope/ready").status == 404)
    }

    @Test func predictionsOverHTTPNeverFailWhileTheRegistryChanges() throws {
        application.start()
        #expect(try eventually { try send("GET", "/health/ready").status == 200 })
        try application.registry.setAlias("stable", model: "m", version: 1)
        let stop = Atomic<Bool>(false)
        let requests = Atomic<Int>(0)
        let failures = Mutex<[String]>([])
        let group = DispatchGroup()
        let port = server.port
        for worker in 0..<3 {
            let path = worker == 0 ? "/v2/models/m/infer" : (worker == 1 ? "/v2/models/m@stable/infer" : "/v1/models/m/labels/stable:predict")
            DispatchQueue.global().async(group: group) {
                var x: Float = 0
                while !stop.load(ordering: .relaxed) {
                    do {
                        if worker == 2 {
                            let response = try Self.send(port: port, "POST", path, body: Array(#"{"instances":[\#(x)]}"#.utf8))
                            if response.status != 200 { failures.withLock { $0.append("\(path): \(response.status) \(response.bodyText)") } }
                        } else {
                            let (status, y, version) = try Self.infer(port: port, path, x)
                            // The answer names its version: y = x + version.
                            if status != 200 || y == nil || version == nil || y != x + (Float(version ?? "") ?? .nan) {
                                failures.withLock { $0.append("\(path): \(status) y=\(String(describing: y)) version=\(String(describing: version))") }
                            }
                        }
                    } catch {
                        failures.withLock { $0.append("\(path): \(error)") }
                    }
                    requests.add(1, ordering: .relaxed)
                    x += 1
                }
            }
        }
        let application = self.application
        // The changes start once the clients run (on a busy machine the global queue may
        // start them late); otherwise the test would watch no request at all.
        #expect(eventually { requests.load(ordering: .relaxed) > 0 })
        for next in 2...6 {
            try RegistryTestFiles.write(folder("m/\(next)/model.onnx"), RegistryTestModels.addConstant(Float(next)))
            #expect(eventually { application.registry.resolve("m", .latest).readyModel?.version == Int64(next) })
            try application.registry.setAlias("stable", model: "m", version: Int64(next))
            if next >= 3 { TemporaryDirectory.remove(folder("m/\(next - 2)")) }
        }
        stop.store(true, ordering: .relaxed)
        group.wait()
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { Array($0.prefix(5)) })")
        #expect(requests.load(ordering: .relaxed) > 0)
        #expect(try infer("/v2/models/m/infer", 0).1 == 6)
    }
}
