import HTTPKit

/// Renders the gateway's metrics in the Prometheus text exposition format 0.0.4
/// (https://prometheus.io/docs/instrumenting/exposition_formats/): `# HELP` and `# TYPE`
/// lines, then samples; label values escape `\`, `"` and newlines; histograms carry
/// cumulative `_bucket{le=…}` samples ending with `+Inf`, then `_sum` and `_count`.
///
/// Every value is summed over the per-thread stripes at scrape time; labels are route
/// templates (or `unmatched`), never raw paths, so the series stay bounded.
extension Gateway {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The scrape body.
    func renderMetrics() -> [UInt8] {
        var out = MetricsText()
        if let runtime = currentRuntime { render(runtime, into: &out) }
        renderModels(into: &out)
        renderProcess(into: &out)
        return out.bytes
    }

    private func render(_ runtime: GatewayRuntime, into out: inout MetricsText) {
        let stripes = runtime.locals.locals.map(\.metrics)
        let layout = runtime.layout
        let policy = runtime.policy
        func route(_ slot: Int) -> String { slot < policy.templates.count ? policy.templates[slot] : "unmatched" }

        // Requests by (route template, method, status).
        var requests: [String: [String: [Int: UInt64]]] = [:]
        for stripe in stripes {
            for (key, count) in stripe.requestCounts() {
                let slot = Int(key >> 32) - 1
                let method = Int(key >> 16 & 0xFFFF)
                let status = Int(key & 0xFFFF)
                let label = method < GatewayResponder.methodLabels.count ? GatewayResponder.methodLabels[method] : "OTHER"
                requests[route(slot), default: [:]][label, default: [:]][status, default: 0] &+= count
            }
        }
        out.header("monolith_http_requests_total", "counter", "HTTP requests answered, by route template, method and status.")
        for template in requests.keys.sorted() {
            guard let byMethod = requests[template] else { continue }
            for method in byMethod.keys.sorted() {
                guard let byStatus = byMethod[method] else { continue }
                for status in byStatus.keys.sorted() {
                    out.sample("monolith_http_requests_total", [("route", template), ("method", method), ("status", String(status))], byStatus[status] ?? 0)
                }
            }
        }

        // Request duration by route template (routes sharing a template merge).
        var durations: [String: HistogramTotals] = [:]
        for slot in 0..<layout.routeSlots {
            var totals = HistogramTotals()
            for stripe in stripes { totals.add(stripe, base: layout.durations + slot * MetricsLayout.histogramWidth) }
            guard totals.count > 0 else { continue }
            durations[route(slot), default: HistogramTotals()].merge(totals)
        }
        out.header("monolith_http_request_duration_seconds", "histogram", "Time from the request head to the response, by route template.")
        for template in durations.keys.sorted() {
            guard let totals = durations[template] else { continue }
            out.histogram("monolith_http_request_duration_seconds", [("route", template)], totals)
        }

        var inFlight: Int64 = 0
        for stripe in stripes { inFlight &+= Int64(bitPattern: stripe.read(layout.inFlight)) }
        out.header("monolith_http_requests_in_flight", "gauge", "Requests being handled.")
        out.sample("monolith_http_requests_in_flight", [], max(0, inFlight))

        // Inference duration by model and version.
        out.header("monolith_inference_duration_seconds", "histogram", "Time spent running a model (Session.run), by model and version.")
        let labels = series.labels
        var byLabel: [(String, String, HistogramTotals)] = []
        for (slot, label) in labels.enumerated() {
            var totals = HistogramTotals()
            for stripe in stripes { totals.add(stripe, base: layout.inference + slot * MetricsLayout.histogramWidth) }
            if totals.count > 0 { byLabel.append((label.model, label.version, totals)) }
        }
        for (model, version, totals) in byLabel.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
            out.histogram("monolith_inference_duration_seconds", [("model", model), ("version", version)], totals)
        }

        func total(_ counter: GatewayCounter) -> UInt64 {
            stripes.reduce(0) { $0 &+ $1.read(layout.counters + counter.rawValue) }
        }
        out.header("monolith_rate_limited_total", "counter", "Requests refused with 429, by limit.")
        for (scope, counter) in [("admin", GatewayCounter.rateLimitedAdmin), ("anonymous", .rateLimitedAnonymous),
                                 ("auth_failures", .rateLimitedAuthFailures), ("predict", .rateLimitedPredict)] {
            out.sample("monolith_rate_limited_total", [("scope", scope)], total(counter))
        }
        out.header("monolith_auth_failures_total", "counter", "Requests refused by authentication or scope, by reason.")
        for (reason, counter) in [("forbidden", GatewayCounter.authForbidden), ("invalid", .authInvalid), ("missing", .authMissing)] {
            out.sample("monolith_auth_failures_total", [("reason", reason)], total(counter))
        }
        out.header("monolith_metrics_dropped_total", "counter", "Observations dropped because a series table was full.")
        out.sample("monolith_metrics_dropped_total", [], total(.droppedSeries))
        out.header("monolith_rate_limit_evictions_total", "counter", "Active rate-limit buckets evicted because the table was full.")
        out.sample("monolith_rate_limit_evictions_total", [], limiter.evictions.load(ordering: .relaxed))
        out.header("monolith_api_keys", "gauge", "Active API keys known to this server.")
        out.sample("monolith_api_keys", [], UInt64(directory.snapshot.byDigest.count))
    }

    private func renderModels(into out: inout MetricsText) {
        let totals = modelLoads.totals
        out.header("monolith_model_loads_total", "counter", "Model version loads attempted, by model.")
        for entry in totals { out.sample("monolith_model_loads_total", [("model", entry.model)], entry.loads) }
        out.header("monolith_model_load_failures_total", "counter", "Model version loads that failed, by model.")
        for entry in totals { out.sample("monolith_model_load_failures_total", [("model", entry.model)], entry.failures) }
        out.header("monolith_models_loaded", "gauge", "Model versions loaded and ready to serve.")
        out.sample("monolith_models_loaded", [], UInt64(max(0, loadedModels())))
    }

    private func renderProcess(into out: inout MetricsText) {
        guard let process = ProcessMetrics.read() else { return }
        out.header("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.")
        out.sample("process_cpu_seconds_total", [], process.cpuSeconds)
        out.header("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.")
        out.sample("process_resident_memory_bytes", [], UInt64(max(0, process.residentBytes)))
        out.header("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.")
        out.sample("process_virtual_memory_bytes", [], UInt64(max(0, process.virtualBytes)))
        out.header("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.")
        out.sample("process_start_time_seconds", [], process.startTimeSeconds)
        out.header("process_open_fds", "gauge", "Number of open file descriptors.")
        out.sample("process_open_fds", [], UInt64(max(0, process.openFDs)))
        if let maxFDs = process.maxFDs {
            out.header("process_max_fds", "gauge", "Maximum number of open file descriptors.")
            out.sample("process_max_fds", [], UInt64(max(0, maxFDs)))
        }
    }
}

/// A text exposition being written.
struct MetricsText {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(16 << 10) }

    mutating func header(_ name: String, _ type: String, _ help: String) {
        append("# HELP \(name) \(help)\n# TYPE \(name) \(type)\n")
    }

    mutating func sample(_ name: String, _ labels: [(String, String)], _ value: UInt64) {
        writeName(name, labels)
        append(" \(value)\n")
    }

    mutating func sample(_ name: String, _ labels: [(String, String)], _ value: Int64) {
        writeName(name, labels)
        append(" \(value)\n")
    }

    mutating func sample(_ name: String, _ labels: [(String, String)], _ value: Double) {
        writeName(name, labels)
        append(" \(Self.format(value))\n")
    }

    mutating func histogram(_ name: String, _ labels: [(String, String)], _ totals: HistogramTotals) {
        var cumulative: UInt64 = 0
        for (i, count) in totals.buckets.enumerated() {
            cumulative &+= count
            let le = i < MetricsLayout.bucketBounds.count ? Self.format(Double(MetricsLayout.bucketBounds[i]) / 1e9) : "+Inf"
            sample(name + "_bucket", labels + [("le", le)], cumulative)
        }
        sample(name + "_sum", labels, Double(totals.sumNanos) / 1e9)
        sample(name + "_count", labels, cumulative)
    }

    private mutating func writeName(_ name: String, _ labels: [(String, String)]) {
        append(name)
        guard !labels.isEmpty else { return }
        bytes.append(0x7B)
        for (i, (key, value)) in labels.enumerated() {
            if i > 0 { bytes.append(0x2C) }
            append(key)
            append("=\"")
            for b in value.utf8 {
                switch b {
                case 0x5C: append("\\\\")
                case 0x22: append("\\\"")
                case 0x0A: append("\\n")
                default: bytes.append(b)
                }
            }
            bytes.append(0x22)
        }
        bytes.append(0x7D)
    }

    private mutating func append(_ s: String) { bytes.append(contentsOf: s.utf8) }

    /// A float as Prometheus reads it (Go's ParseFloat): plain decimal, `+Inf`, `NaN`.
    static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }
}
