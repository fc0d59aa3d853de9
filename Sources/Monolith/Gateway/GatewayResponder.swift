import Glibc
import HTTPKit
import StoreKitLite

/// What the gateway and the serving handlers note about one request, carried in the
/// request context's storage: when it began, the key that authenticated it, the model that
/// served it and how long inference took.
final class RequestRecord: @unchecked Sendable {
    // @unchecked: touched by one thread at a time — the event loop in `prepare`, then the
    // thread running `respond` (the server hands the context over through its queues).
    /// Monotonic nanoseconds when the request head was parsed.
    let start: UInt64
    var key: ThreadKey?
    /// The model a serving handler resolved (access log `model.name` / `model.version`).
    var model: ServedModel?
    /// The model `Session.run` ran, when it is not `model` (one reference less to count
    /// on the usual request, where they are the same), and the run's duration.
    var otherInferenceModel: ServedModel?
    var inferenceNanos: UInt64 = 0
    /// Whether inference ran (the inference histogram).
    var inferred = false

    /// The model inference ran on, if it ran.
    var inferenceModel: ServedModel? { inferred ? otherInferenceModel ?? model : nil }

    /// Notes an inference run on `served` that took `nanos`.
    func noteInference(_ served: ServedModel, nanos: UInt64) {
        if served !== model { otherInferenceModel = served }
        inferenceNanos = nanos
        inferred = true
    }

    init(start: UInt64) {
        self.start = start
    }
}

/// The storage key of the request's `RequestRecord`.
enum RequestRecordKey: ContextStorageKey {
    typealias Value = RequestRecord
}

/// The gateway chain around the application's responder: request id and trace context,
/// CORS, authentication and scope check against the matched route's declared access, rate
/// limit, then the handler; then response headers, metrics and the access-log line.
struct GatewayResponder: HTTPResponder {
    let inner: any HTTPResponder
    let gateway: Gateway
    let runtime: GatewayRuntime
    /// The gateway's settings, copied here once: reading them per request from the
    /// gateway object would copy (and retain) the whole configuration each time.
    let settings: GatewayConfiguration

    init(inner: any HTTPResponder, gateway: Gateway, runtime: GatewayRuntime) {
        self.inner = inner
        self.gateway = gateway
        self.runtime = runtime
        self.settings = gateway.configuration
    }

    func prepare(_ head: RequestHead, context: inout RequestContext) -> RouteOptions {
        inner.prepare(head, context: &context)
    }

    func respond(to request: Request, context: inout RequestContext) -> Response {
        guard settings.enabled else { return respondWithoutChain(request, &context) }
        let local = runtime.locals.current()
        // Timed from the request head's arrival (HTTPKit's clock reading; no clock read here).
        let record = RequestRecord(start: context.receivedAt != 0 ? context.receivedAt : MonotonicClock.now())
        context.storage[RequestRecordKey.self] = record
        let now = record.start
        local.metrics.beginRequest()
        let trace = TraceContext.make(header: request.headers.firstValueBytes(lowercasedName: "traceparent"), random: &local.random)
        let traceID = trace.traceID
        context.traceID = traceID

        let routeIndex = context.routeIndex
        let cors = settings.cors
        let origin = cors == nil ? nil : request.headers["Origin"]
        var response: Response
        if let cors, let origin, request.method == .options, let allowed = context.allowedMethods,
           request.headers.contains("Access-Control-Request-Method") {
            response = cors.allows(origin)
                ? cors.preflight(origin: origin, methods: allowed)
                : .jsonError("origin '\(origin)' is not allowed (MONOLITH_CORS_ORIGINS)", status: .forbidden)
        } else if let routeIndex {
            response = guarded(request, &context, access: local.access[routeIndex], record: record, local: local, now: now)
        } else {
            response = inner.respond(to: request, context: &context)
        }

        response.headers.reserveCapacity(fields: 2, bytes: 100)
        response.headers.add(name: "X-Request-ID", value: context.requestID)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 55) { buffer in
            trace.writeTraceparent(into: buffer)
            response.headers.add(name: "traceparent", valueBytes: UnsafeBufferPointer(buffer))
        }
        if let cors, let origin, cors.allows(origin), !response.headers.contains("Access-Control-Allow-Origin") {
            cors.decorate(&response.headers, origin: origin)
        }
        finish(request.method, bytesIn: Self.bytesIn(request), response: response, routeIndex: routeIndex,
               requestID: context.requestID, traceID: traceID, record: record, client: request.remoteAddress, local: local)
        local.metrics.endRequest()
        return response
    }

    /// Parse errors, timeouts and limits the server answers itself: counted and logged too.
    func renderError(_ error: any Error, head: RequestHead?, context: RequestContext) -> Response {
        var response = inner.renderError(error, head: head, context: context)
        guard settings.enabled else { return response }
        response.headers.add(name: "X-Request-ID", value: context.requestID)
        let local = runtime.locals.current()
        let record = context.storage[RequestRecordKey.self] ?? RequestRecord(start: context.receivedAt != 0 ? context.receivedAt : MonotonicClock.now())
        finish(head?.method ?? .other("-"), bytesIn: nil, response: response, routeIndex: context.routeIndex,
               requestID: context.requestID, traceID: nil, record: record, client: nil, local: local)
        return response
    }

    // MARK: - Access control

    /// Authenticates, checks the route's access and the rate limit, then runs the handler.
    private func guarded(
        _ request: Request, _ context: inout RequestContext, access: RouteAccess, record: RequestRecord,
        local: GatewayLocal, now: UInt64
    ) -> Response {
        let key: ThreadKey?
        switch authorize(request, access: access, local: local, now: now) {
        case .refused(let error, let known):
            record.key = known
            return inner.renderError(error, head: nil, context: context)
        case .allowed(let entry):
            key = entry
        }
        record.key = key
        guard access != .public, access != .metrics, let (limit, identity, counter) = rateLimit(key: key, request: request) else {
            return inner.respond(to: request, context: &context)
        }
        switch gateway.limiter.acquire(identity, limit: limit, now: now) {
        case .limited(let wait):
            local.metrics.count(counter)
            let seconds = Self.seconds(wait)
            var headers = HTTPHeaders()
            headers.add(name: "Retry-After", value: String(seconds))
            headers.add(name: "RateLimit-Limit", value: String(limit.burst))
            headers.add(name: "RateLimit-Remaining", value: "0")
            headers.add(name: "RateLimit-Reset", value: String(seconds))
            let who = key == nil ? "this client address" : "this API key"
            let error = HTTPError(.tooManyRequests, message: "rate limit exceeded for \(who) (\(limit) requests per second:burst); retry in \(seconds) s", headers: headers)
            return inner.renderError(error, head: nil, context: context)
        case .allowed:
            // RateLimit-* fields go on refusals only: on every answer they cost more than
            // the rest of the limiter (two header fields per response).
            return inner.respond(to: request, context: &context)
        }
    }

    enum Authorization {
        case allowed(ThreadKey?)
        /// Refused; the key when a valid one was presented (logged by id).
        case refused(HTTPError, ThreadKey?)
    }

    /// Who the request is and whether the route lets them in.
    ///
    /// Presented credentials are always checked, also on open routes: a wrong key is a 401
    /// (a client that meant to authenticate learns it) and counts against the client
    /// address's failed-authentication budget; past it, requests carrying credentials get
    /// 429 before any hashing.
    func authorize(_ request: Request, access: RouteAccess, local: GatewayLocal, now: UInt64) -> Authorization {
        let directory = gateway.directory
        if local.keys.version != directory.publishedVersion { local.keys = directory.snapshot }
        var key: ThreadKey?
        let presented = Credentials.presented(in: request.headers)
        if case .none = presented {} else {
            let failures = Self.addressIdentity(request.remoteAddress, domain: Self.authFailureDomain)
            if let limit = settings.authFailureLimit, let wait = gateway.limiter.waitTime(failures, limit: limit, now: now) {
                local.metrics.count(.rateLimitedAuthFailures)
                let seconds = Self.seconds(wait)
                var headers = HTTPHeaders()
                headers.add(name: "Retry-After", value: String(seconds))
                return .refused(HTTPError(.tooManyRequests, message: "too many failed authentications from this address; retry in \(seconds) s", headers: headers), nil)
            }
            if case .secret(let secret) = presented { key = lookup(secret, local: local) }
            guard key != nil else {
                local.metrics.count(.authInvalid)
                if let limit = settings.authFailureLimit { _ = gateway.limiter.acquire(failures, limit: limit, now: now) }
                return .refused(HTTPError(.unauthorized, message: "invalid API key", headers: ["WWW-Authenticate": #"Bearer realm="monolith", error="invalid_token""#]), nil)
            }
        }
        switch access {
        case .public:
            return .allowed(key)
        case .inference:
            if key == nil && settings.auth == .required {
                local.metrics.count(.authMissing)
                return .refused(Self.missing("this route needs an API key (MONOLITH_AUTH=required): send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"), nil)
            }
            return .allowed(key)
        case .admin:
            return requireAdmin(key, local: local)
        case .metrics:
            switch settings.metricsAuth {
            case .open:
                return .allowed(key)
            case .required:
                guard key != nil else {
                    local.metrics.count(.authMissing)
                    return .refused(Self.missing("/metrics needs an API key (MONOLITH_METRICS_AUTH=required)"), nil)
                }
                return .allowed(key)
            case .admin:
                return requireAdmin(key, local: local)
            }
        }
    }

    private func requireAdmin(_ key: ThreadKey?, local: GatewayLocal) -> Authorization {
        let none = local.keys.hasAdminKey ? "" :
            "; no admin key exists yet: create one with 'monolith keys create --name admin --scope admin' or set MONOLITH_ADMIN_KEY"
        guard let key else {
            local.metrics.count(.authMissing)
            return .refused(Self.missing("management routes need an admin API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'" + none), nil)
        }
        guard key.scope == .admin else {
            local.metrics.count(.authForbidden)
            return .refused(HTTPError(.forbidden, message: "API key '\(key.id)' has scope \(key.scope.rawValue); management routes need an admin key" + none,
                                      headers: ["WWW-Authenticate": #"Bearer realm="monolith", error="insufficient_scope""#]), key)
        }
        return .allowed(key)
    }

    /// RFC 6750 §3: a 401 without credentials names the scheme, without an error code.
    static func missing(_ message: String) -> HTTPError {
        HTTPError(.unauthorized, message: message, headers: ["WWW-Authenticate": #"Bearer realm="monolith""#])
    }

    /// The key whose secret this is: a hit in this thread's verified cache, else SHA-256
    /// and a dictionary lookup in the key snapshot. Never SQLite.
    func lookup(_ secret: ArraySlice<UInt8>, local: GatewayLocal) -> ThreadKey? {
        guard secret.count <= 512 else { return nil }
        let tag = local.verified.tag(secret)
        let version = local.keys.version
        if let hit = local.verified.lookup(tag, version: version) { return hit }
        // The digest of the presented secret is looked up; timing can only tell how much of
        // SHA-256(attempt) matches a stored digest, which does not help find a secret.
        let digest = KeyDigest(secret.withUnsafeBytes { SHA256.hash($0) })
        guard let entry = local.keys.byDigest[digest] else { return nil }
        let key = ThreadKey(entry)
        local.verified.store(tag, version: version, key: key)
        return key
    }

    /// The limit that applies, the bucket identity and the counter of refusals.
    func rateLimit(key: ThreadKey?, request: Request) -> (RateLimit, UInt64, GatewayCounter)? {
        if let key {
            let limit = key.scope == .admin ? settings.adminLimit : settings.predictLimit
            return limit.map { ($0, key.limiterIdentity, key.scope == .admin ? .rateLimitedAdmin : .rateLimitedPredict) }
        }
        return settings.anonymousLimit.map { ($0, Self.addressIdentity(request.remoteAddress, domain: Self.anonymousDomain), .rateLimitedAnonymous) }
    }

    static let anonymousDomain: UInt64 = 0x616E_6F6E_0000_0000
    static let authFailureDomain: UInt64 = 0x6661_696C_0000_0000

    /// A client address as a bucket identity: the IPv4 address, or the /64 prefix of an
    /// IPv6 address (one host usually owns a whole /64).
    static func addressIdentity(_ address: SocketAddress?, domain: UInt64) -> UInt64 {
        if let v4 = address?.ipv4 { return RateLimiter.mix(UInt64(v4) ^ domain) }
        if let v6 = address?.ipv6 { return RateLimiter.mix(v6.high ^ RateLimiter.mix(domain)) }
        return RateLimiter.mix(domain)
    }

    /// Whole seconds, rounded up, at least 1 (`Retry-After` is delay-seconds, RFC 9110 §10.2.3).
    static func seconds(_ nanos: UInt64) -> UInt64 { max(1, (nanos + 999_999_999) / 1_000_000_000) }

    // MARK: - Chain off

    /// `MONOLITH_GATEWAY=off` (benchmarks): no chain at all, and management routes refused
    /// outright, since nothing would check their keys.
    private func respondWithoutChain(_ request: Request, _ context: inout RequestContext) -> Response {
        if let index = context.routeIndex, runtime.policy.access[index] == .admin {
            return inner.renderError(HTTPError(.forbidden, message: "management routes are disabled while MONOLITH_GATEWAY=off"), head: nil, context: context)
        }
        return inner.respond(to: request, context: &context)
    }

    // MARK: - Metrics and access log

    static func bytesIn(_ request: Request) -> Int? {
        switch request.body {
        case .bytes(let b): return b.count
        case .stream: return request.headers["Content-Length"].flatMap { Int($0) }
        }
    }

    /// Counts the answer and writes its access-log line.
    private func finish(
        _ method: HTTPMethod, bytesIn: Int?, response: Response, routeIndex: Int?, requestID: String, traceID: TraceID?,
        record: RequestRecord, client: SocketAddress?, local: GatewayLocal
    ) {
        let end = MonotonicClock.now()
        let duration = end &- record.start
        let slot = routeIndex ?? runtime.layout.unmatchedSlot
        let status = response.status.code
        local.metrics.countRequest(routeSlot: slot, method: Self.methodIndex(method), status: status)
        local.metrics.observeDuration(routeSlot: slot, nanos: duration)
        if let model = record.inferenceModel {
            let series = seriesSlot(model, local: local)
            if series < 0 {
                local.metrics.count(.droppedSeries)
            } else {
                local.metrics.observeInference(series: series, nanos: record.inferenceNanos)
            }
        }
        let level: Logger.Level = status >= 500 ? .error : .info
        let logs = settings.accessLog && level >= settings.logLevel
        // The wall clock only when a key's last use or a log line needs it.
        guard logs || record.key != nil else { return }
        var wall = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        record.key?.noteUse(at: Int64(wall.tv_sec))
        guard logs else { return }
        if local.clockSecond != wall.tv_sec {
            local.clockSecond = wall.tv_sec
            local.clockPrefix = AccessLogFormat.secondPrefix(wall.tv_sec)
        }
        let millis = wall.tv_nsec / 1_000_000
        let served = record.model ?? record.inferenceModel
        let entry = AccessRecord(
            method: method, routeJSON: local.routeJSON[slot], status: status,
            bytesIn: bytesIn, bytesOut: response.body.knownLength, durationMicros: duration / 1000, requestID: requestID,
            traceID: traceID, keyID: record.key?.id, model: served?.name, version: served?.version, client: client)
        var writer = LineWriter(local.scratch, capacity: AccessLogFormat.maxLineBytes)
        AccessLogFormat.write(entry, level: level, secondPrefix: local.clockPrefix, millis: millis, into: &writer)
        guard !writer.overflowed else { return }
        let line = UnsafeBufferPointer(start: local.scratch, count: writer.count)
        let full = local.log.append { $0.append(contentsOf: line) }
        if let full {
            gateway.sink.write(full)
            local.log.recycle(full)
        }
    }

    /// The inference series of `model` (memoized per thread).
    private func seriesSlot(_ model: ServedModel, local: GatewayLocal) -> Int {
        let id = ObjectIdentifier(model)
        if local.lastSeriesModel == id, local.lastSeriesName == model.name, local.lastSeriesVersion == model.version {
            return local.lastSeriesSlot
        }
        let key = model.name + "\u{0}" + model.version
        let slot: Int
        if let known = local.seriesSlots[key] {
            slot = known
        } else {
            slot = gateway.series.slot(model: model.name, version: model.version, key: key)
            local.seriesSlots[key] = slot
        }
        local.lastSeriesModel = id
        local.lastSeriesName = model.name
        local.lastSeriesVersion = model.version
        local.lastSeriesSlot = slot
        return slot
    }

    /// The metric label index of a method (extension methods share `OTHER`).
    static func methodIndex(_ method: HTTPMethod) -> Int {
        switch method {
        case .get: 0
        case .head: 1
        case .post: 2
        case .put: 3
        case .delete: 4
        case .patch: 5
        case .options: 6
        case .trace: 7
        case .connect: 8
        case .other: 9
        }
    }

    static let methodLabels = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "OTHER"]
}
