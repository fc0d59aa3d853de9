#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import HTTPKit
import StoreKitLite
import Synchronization
import Testing
@testable import Monolith

/// Access log lines and Prometheus metrics, as an operator reads them.
@Suite struct GatewayObservabilityTests {
    @Test func oneJSONAccessLineperRequestWithTheRouteTemplateAndTheModel() throws {
        let server = try GatewayServer()
        let key = server.secret("predict")
        #expect(try server.predict(key: key, headers: [("X-Request-ID", "line-check-1")]).status == 200)
        #expect(try server.request("GET", "/v2/models/m/versions/1", headers: [("X-Request-ID", "line-check-2")]).status == 200)
        #expect(try server.request("GET", "/no/such/path", headers: [("X-Request-ID", "line-check-3")]).status == 404)
        let lines = server.accessLines()
        let predict = try #require(lines.first { $0["request.id"]?.string == "line-check-1" })
        #expect(predict["http.method"]?.string == "POST")
        #expect(predict["http.route"]?.string == "/predict")
        #expect(predict["http.status"]?.int64 == 200)
        #expect(predict["http.bytes_in"]?.int64 == Int64(GatewayServer.predictBody.count))
        #expect((predict["http.bytes_out"]?.int64 ?? 0) > 0)
        #expect(predict["duration_us"]?.int64 != nil)
        #expect(predict["trace.id"]?.string?.utf8.count == 32)
        #expect(predict["key.id"]?.string == server.ids["predict"])
        #expect(predict["model.name"]?.string == "m")
        #expect(predict["model.version"]?.string == "1")
        #expect(predict["client.address"]?.string == "127.0.0.1")
        #expect(predict["level"]?.string == "info")
        #expect(predict["ts"]?.string?.hasSuffix("Z") == true)
        let metadata = try #require(lines.first { $0["request.id"]?.string == "line-check-2" })
        #expect(metadata["http.route"]?.string == "/v2/models/{m}/versions/{v}")
        #expect(metadata["key.id"] == nil)
        let missing = try #require(lines.first { $0["request.id"]?.string == "line-check-3" })
        #expect(missing["http.route"]?.string == "unmatched")
        // Every request answered has exactly one line.
        let ids = lines.compactMap { $0["request.id"]?.string }.filter { $0.hasPrefix("line-check-") }
        #expect(ids.sorted() == ["line-check-1", "line-check-2", "line-check-3"])
    }

    @Test func accessLogCanBeTurnedOffAndFollowsTheLogLevel() throws {
        let off = try GatewayServer(environment: ["MONOLITH_ACCESS_LOG": "off"])
        #expect(try off.predict().status == 200)
        #expect(off.accessLines().isEmpty)
        let quiet = try GatewayServer(logLevel: .warning)
        #expect(try quiet.predict().status == 200)
        // At warning, only answers with a 5xx (logged at error) remain.
        #expect(quiet.accessLines().allSatisfy { $0["level"]?.string == "error" && ($0["http.status"]?.int64 ?? 0) >= 500 })
        #expect(!quiet.accessLines().contains { $0["http.route"]?.string == "/predict" })
        let chatty = try GatewayServer(logLevel: .info)
        #expect(try chatty.predict().status == 200)
        #expect(!chatty.accessLines().isEmpty)
    }

    @Test func keysNeverAppearInAnyLogLine() throws {
        let server = try GatewayServer(logLevel: .trace)
        let admin = server.secret("admin"), predict = server.secret("predict")
        let wrong = "mk_abcdefabcdef_" + String(repeating: "9", count: 64)
        _ = try server.predict(key: predict)
        _ = try server.predict(headers: [("X-API-Key", predict)])
        _ = try server.predict(key: wrong)
        _ = try server.request("GET", "/api/models", key: admin)
        _ = try server.request("GET", "/api/models", key: predict)
        _ = try server.request("GET", "/api/keys", headers: [("Authorization", "Bearer " + admin)])
        _ = try server.request("GET", "/api/keys", headers: [("Authorization", "Token " + admin)])
        _ = try server.request("POST", "/api/keys", key: admin, body: Array(#"{"name":"n","scope":"admin"}"#.utf8))
        let lines = server.logLines()
        #expect(lines.count > 8)
        expectNoSecrets(lines, [admin, predict, wrong])
    }

    @Test func metricsAreLabelledByRouteTemplate() throws {
        let server = try GatewayServer()
        for _ in 0..<3 { #expect(try server.request("POST", "/v2/models/m/infer", body: Array(#"{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[2]}]}"#.utf8)).status == 200) }
        #expect(try server.request("GET", "/api/models").status == 401)
        #expect(try server.request("GET", "/random/\(UInt32.random(in: 0...UInt32.max))").status == 404)
        let text = try server.request("GET", "/metrics").bodyText
        #expect(text.contains(#"monolith_http_requests_total{route="/v2/models/{m}/infer",method="POST",status="200"} 3"#))
        #expect(text.contains(#"monolith_http_requests_total{route="/api/models",method="GET",status="401"} 1"#))
        #expect(text.contains(#"monolith_http_requests_total{route="unmatched",method="GET",status="404"} 1"#))
        #expect(!text.contains("/random/"))
        #expect(text.contains(#"monolith_http_request_duration_seconds_count{route="/v2/models/{m}/infer"} 3"#))
        #expect(text.contains(#"monolith_inference_duration_seconds_count{model="m",version="1"} 3"#))
        #expect(text.contains(#"monolith_auth_failures_total{reason="missing"} 1"#))
        #expect(text.contains("monolith_models_loaded 1"))
        #expect(text.contains(#"monolith_model_loads_total{model="m"} 1"#))
        #expect(text.contains(#"monolith_model_load_failures_total{model="m"} 0"#))
        #expect(text.contains("monolith_http_requests_in_flight 1"))
        for name in ["process_resident_memory_bytes", "process_open_fds", "process_cpu_seconds_total", "process_start_time_seconds"] {
            #expect(text.contains("\n\(name) "), "\(name)")
        }
    }

    /// `promtool check metrics` on a scrape taken while requests are in flight.
    @Test func promtoolAcceptsAScrapeTakenUnderLoad() throws {
        let candidates: [String] = ["/usr/bin/promtool", "/usr/local/bin/promtool", "/bin/promtool"]
        let path = try #require(candidates.first { access($0, X_OK) == 0 }, "promtool is needed (apt-get install prometheus)")
        let server = try GatewayServer(environment: ["MONOLITH_RATE_LIMIT_ANONYMOUS": "50:10", "MONOLITH_CORS_ORIGINS": "*"])
        let port = server.port
        let stop = Atomic<Bool>(false)
        let group = DispatchGroup()
        for worker in 0..<4 {
            DispatchQueue.global().async(group: group) {
                var i = 0
                while !stop.load(ordering: .relaxed) {
                    let target = ["/predict", "/v2/models/m", "/nothing/\(i)", "/api/models", "/health"][(i + worker) % 5]
                    let body: [UInt8] = target == "/predict" ? GatewayServer.predictBody : []
                    _ = try? BlockingHTTPClient.request(port: port, method: body.isEmpty ? "GET" : "POST", path: target,
                                                        headers: [("Content-Type", "application/json")], body: body)
                    i += 1
                }
            }
        }
        #expect(eventually { (try? server.request("GET", "/metrics").bodyText.contains(#"route="/predict""#)) == true })
        let scrape = try server.request("GET", "/metrics")
        stop.store(true, ordering: .relaxed)
        group.wait()
        #expect(scrape.status == 200)
        #expect(scrape.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8")
        let file = server.data.path + "/scrape.txt"
        try RegistryTestFiles.write(file, scrape.body)
        let result = try runProgram(path, ["check", "metrics"], stdin: file)
        #expect(result.status == 0, "promtool: \(result.output)")
        #expect(result.output.trimmingCharacters(in: " \n").isEmpty, "promtool: \(result.output)")
    }
}

@Suite struct AccessLogFormatTests {
    @Test func linesAreJSONWhateverTheFieldsHold() throws {
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: AccessLogFormat.maxLineBytes)
        defer { scratch.deallocate() }
        let odd = "quote\" back\\ nl\n tab\t ctl\u{1} é 模型"
        let long = String(repeating: "é", count: 2000)
        let record = AccessRecord(
            method: .other("PURGE"), routeJSON: AccessLogFormat.literal("/v2/models/{m}"), status: 200, bytesIn: nil, bytesOut: 12,
            durationMicros: 1234, requestID: "rid", traceID: nil, keyID: "k1", model: odd, version: long,
            client: SocketAddress(ipv4: 10, 0, 0, 7, port: 5))
        var writer = LineWriter(scratch, capacity: AccessLogFormat.maxLineBytes)
        AccessLogFormat.write(record, level: .error, secondPrefix: AccessLogFormat.secondPrefix(0), millis: 7, into: &writer)
        #expect(!writer.overflowed)
        let line = Array(UnsafeBufferPointer(start: scratch, count: writer.count))
        #expect(line.last == 0x0A)
        let json = try parseJSON(Array(line.dropLast()))
        #expect(json["ts"]?.string == "1970-01-01T00:00:00.007Z")
        #expect(json["level"]?.string == "error")
        #expect(json["http.method"]?.string == "PURGE")
        #expect(json["http.route"]?.string == "/v2/models/{m}")
        #expect(json["http.bytes_in"] == .null)
        #expect(json["model.name"]?.string == odd)
        #expect(json["model.version"]?.string == String(repeating: "é", count: AccessLogFormat.maxStringBytes / 2))
        #expect(json["client.address"]?.string == "10.0.0.7")
        // A writer too small for the line says so instead of producing broken JSON.
        var small = LineWriter(scratch, capacity: 40)
        AccessLogFormat.write(record, level: .info, secondPrefix: AccessLogFormat.secondPrefix(0), millis: 0, into: &small)
        #expect(small.overflowed)
    }
}
