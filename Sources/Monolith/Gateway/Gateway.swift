import Dispatch
import HTTPKit
import StoreKitLite
import Synchronization

/// The gateway: what a Fastify/nginx gateway in front of a model API did, in-process —
/// API keys with scopes, rate limits, request ids and trace context, JSON access logs,
/// CORS and Prometheus metrics. `ServeCommand` builds one, registers its routes
/// (`GatewayRoutes`), wraps the application's responder with `responder(wrapping:routeTable:)`
/// and calls `start()` / `shutdown()` around the server.
///
/// Request threads touch only lock-free state: the key snapshot (an atomic version check),
/// the rate-limit table (atomics), and their own `GatewayLocal` (metrics stripe, log
/// buffer). A housekeeping thread polls the store for key changes, flushes access logs
/// and records key use.
final class Gateway: Sendable {
    let configuration: GatewayConfiguration
    let directory: APIKeyDirectory
    let limiter: RateLimiter
    let series = InferenceSeries()
    let modelLoads: ModelLoadMetrics
    /// Loaded (ready) model versions, read at scrape time.
    let loadedModels: @Sendable () -> Int
    let logger: Logger
    let sink: AccessLogSink
    private let runtime = Mutex<GatewayRuntime?>(nil)
    private let queue = DispatchQueue(label: "monolith.gateway.housekeeping")
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let started = Atomic<Bool>(false)
    private let stopped = Atomic<Bool>(false)

    /// Stores `MONOLITH_ADMIN_KEY` when set, loads the keys, and says at start how to make
    /// an admin key when there is none.
    init(configuration: GatewayConfiguration, store: MetadataStore, logger: Logger,
         modelLoads: ModelLoadMetrics = ModelLoadMetrics(), loadedModels: @escaping @Sendable () -> Int = { 0 }) throws(StartupError) {
        self.configuration = configuration
        self.directory = APIKeyDirectory(store: store)
        self.limiter = RateLimiter(capacity: configuration.rateLimitTable)
        self.modelLoads = modelLoads
        self.loadedModels = loadedModels
        self.logger = logger
        self.sink = AccessLogSink(fileDescriptor: configuration.accessLogFD)
        if let secret = configuration.adminKey {
            do {
                let key = try store.ensureAPIKey(secret: secret, name: "MONOLITH_ADMIN_KEY", scope: .admin, actor: "env")
                if !key.isActive {
                    logger.warning("MONOLITH_ADMIN_KEY names a revoked key: it stays refused", metadata: ["key.id": .string(key.id)])
                } else if key.scope != .admin {
                    logger.warning("MONOLITH_ADMIN_KEY names a key without admin scope", metadata: ["key.id": .string(key.id)])
                }
            } catch {
                throw StartupError("cannot store MONOLITH_ADMIN_KEY: \(error)")
            }
        }
        do {
            try directory.refresh()
        } catch {
            throw StartupError("cannot read the API keys: \(error)")
        }
        let snapshot = directory.snapshot
        if !configuration.enabled {
            logger.warning("gateway disabled (MONOLITH_GATEWAY=off): no authentication, rate limits, access log or metrics; management routes are refused")
        } else if !snapshot.hasAdminKey {
            logger.warning("no admin API key: management routes (/api/..., /v2/repository/..., /api/keys) are refused until one exists", metadata: [
                "hint": "run 'monolith keys create --name admin --scope admin' (the key is printed once) or set MONOLITH_ADMIN_KEY; a running server picks it up within a second",
            ])
        }
        logger.info("gateway ready", metadata: [
            "gateway.keys": .int(snapshot.byDigest.count), "gateway.auth": .string(configuration.auth.rawValue),
            "gateway.metrics_auth": .string(configuration.metricsAuth.rawValue),
            "gateway.cors": .bool(configuration.cors != nil), "gateway.access_log": .bool(configuration.accessLog),
        ])
    }

    /// The responder that runs the gateway chain around `inner`. `routeTable` is the table
    /// of the router inside `inner` (its indices are `RequestContext.routeIndex`).
    func responder(wrapping inner: any HTTPResponder, routeTable: [RouterResponder.RouteDescription]) -> GatewayResponder {
        let policy = RoutePolicy(routeTable: routeTable)
        for route in policy.unclassified {
            logger.warning("route has no declared access: treated as admin", metadata: ["http.route": .string(route)])
        }
        let layout = MetricsLayout(routeCount: routeTable.count)
        let runtime = GatewayRuntime(policy: policy, layout: layout)
        self.runtime.withLock { $0 = runtime }
        return GatewayResponder(inner: inner, gateway: self, runtime: runtime)
    }

    var currentRuntime: GatewayRuntime? { runtime.withLock { $0 } }

    // MARK: Housekeeping

    /// Starts polling for key changes and flushing access logs.
    func start() {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        queue.async { self.housekeep() }
    }

    /// Stops housekeeping, writes pending access lines and key use times.
    func shutdown() {
        if started.load(ordering: .acquiring), !stopped.exchange(true, ordering: .acquiringAndReleasing) {
            wake.signal()
            _ = finished.wait(timeout: .now() + .seconds(10))
        }
        flushLogs()
        try? directory.recordUses()
    }

    private func housekeep() {
        defer { finished.signal() }
        let tick = min(configuration.keyPollInterval, configuration.flushInterval)
        let tickNanos = max(1_000_000, Int(tick.components.seconds) * 1_000_000_000 + Int(tick.components.attoseconds / 1_000_000_000))
        let pollNanos = UInt64(max(1, Int(configuration.keyPollInterval.components.seconds) * 1_000_000_000
            + Int(configuration.keyPollInterval.components.attoseconds / 1_000_000_000)))
        var nextPoll = MonotonicClock.now() &+ pollNanos
        var nextUseRecord = MonotonicClock.now() &+ 60_000_000_000
        var pollFailing = false
        while !stopped.load(ordering: .acquiring) {
            if wake.wait(timeout: .now() + .nanoseconds(tickNanos)) == .success { break }
            flushLogs()
            let now = MonotonicClock.now()
            if now >= nextPoll {
                do {
                    try directory.refresh()
                    if pollFailing { logger.info("API key polling recovered") }
                    pollFailing = false
                } catch {
                    if !pollFailing { logger.error("cannot poll the API keys", metadata: ["error": .string("\(error)")]) }
                    pollFailing = true
                }
                nextPoll = MonotonicClock.now() &+ pollNanos
            }
            if now >= nextUseRecord {
                do { try directory.recordUses() } catch {
                    logger.warning("cannot record API key use", metadata: ["error": .string("\(error)")])
                }
                nextUseRecord = now &+ 60_000_000_000
            }
        }
    }

    /// Writes every thread's pending access lines.
    func flushLogs() {
        guard let runtime = currentRuntime else { return }
        for local in runtime.locals.locals {
            if let bytes = local.log.take() {
                sink.write(bytes)
                local.log.recycle(bytes)
            }
        }
    }

    /// Reloads keys now (after `/api/keys` changed them in this process).
    func refreshKeys() {
        do { try directory.refresh() } catch {
            logger.error("cannot reload the API keys", metadata: ["error": .string("\(error)")])
        }
    }
}

/// What a gateway needs per wrapped responder: the route policy, the metrics layout and
/// the per-thread state.
final class GatewayRuntime: Sendable {
    let policy: RoutePolicy
    let layout: MetricsLayout
    let locals: GatewayLocals

    init(policy: RoutePolicy, layout: MetricsLayout) {
        self.policy = policy
        self.layout = layout
        locals = GatewayLocals { GatewayLocal(metrics: MetricsStripe(layout: layout), log: AccessLogBuffer(), policy: policy) }
    }
}

/// Model load outcomes per model, reported by the registry for every load it attempts.
final class ModelLoadMetrics: Sendable {
    private let counts = Mutex<[String: (loads: UInt64, failures: UInt64)]>([:])

    init() {}

    /// Records one load attempt of `model`.
    func record(model: String, succeeded: Bool) {
        counts.withLock { counts in
            var entry = counts[model] ?? (0, 0)
            entry.loads += 1
            if !succeeded { entry.failures += 1 }
            counts[model] = entry
        }
    }

    /// (model, load attempts, failed ones), by model name.
    var totals: [(model: String, loads: UInt64, failures: UInt64)] {
        counts.withLock { counts in counts.keys.sorted().compactMap { name in counts[name].map { (name, $0.loads, $0.failures) } } }
    }
}
