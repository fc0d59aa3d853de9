import HTTPKit

/// The gateway's settings, from the environment (DESIGN.md: 12-factor).
///
/// | variable | default | meaning |
/// | --- | --- | --- |
/// | `MONOLITH_AUTH` | `open` | `required`: inference and metadata routes need a predict or admin key |
/// | `MONOLITH_ADMIN_KEY` | unset | a secret (16–512 bytes) stored as an admin key at start (containers) |
/// | `MONOLITH_METRICS_AUTH` | `open` | `/metrics`: `open`, `required` (any key) or `admin` |
/// | `MONOLITH_RATE_LIMIT_PREDICT` | off | `rps:burst` per predict-scope key |
/// | `MONOLITH_RATE_LIMIT_ADMIN` | off | `rps:burst` per admin-scope key |
/// | `MONOLITH_RATE_LIMIT_ANONYMOUS` | off | `rps:burst` per client address, for calls without a key |
/// | `MONOLITH_RATE_LIMIT_AUTH_FAILURES` | `1:10` | failed authentications per client address; past it, 429 |
/// | `MONOLITH_RATE_LIMIT_TABLE` | 65536 | buckets held (fixed memory: 16 bytes each) |
/// | `MONOLITH_CORS_ORIGINS` | unset | `*` or a comma-separated origin list |
/// | `MONOLITH_CORS_CREDENTIALS` | false | allow credentialed cross-origin calls |
/// | `MONOLITH_CORS_MAX_AGE` | 600 | preflight cache time, seconds |
/// | `MONOLITH_ACCESS_LOG` | `on` | `off` drops the per-request JSON lines |
/// | `MONOLITH_GATEWAY` | `on` | `off` removes the whole chain (benchmark comparisons only: management routes are then refused outright) |
struct GatewayConfiguration: Sendable, Equatable {
    enum AuthMode: String, Sendable { case open, required }
    enum MetricsAuth: String, Sendable { case open, required, admin }

    var enabled = true
    var auth: AuthMode = .open
    var metricsAuth: MetricsAuth = .open
    var adminKey: String?
    var predictLimit: RateLimit?
    var adminLimit: RateLimit?
    var anonymousLimit: RateLimit?
    var authFailureLimit: RateLimit? = RateLimit(rate: 1, burst: 10)
    var rateLimitTable = 65_536
    var cors: CORSPolicy?
    var accessLog = true
    /// Records at this level and above are logged (access lines are info; 5xx are error).
    var logLevel: Logger.Level = .info
    /// Where access lines go (stdout).
    var accessLogFD: Int32 = 1
    /// How often the key directory polls the store's change counter.
    var keyPollInterval: Duration = .milliseconds(200)
    /// How often buffered access lines are written when traffic is low.
    var flushInterval: Duration = .milliseconds(100)

    /// Reads the `MONOLITH_*` gateway variables.
    static func load(environment: [String: String], logLevel: Logger.Level = .info) throws(UsageError) -> GatewayConfiguration {
        var c = GatewayConfiguration()
        c.logLevel = logLevel
        func value(_ name: String) -> String? {
            guard let v = environment[name]?.trimmingCharacters(in: " \t"), !v.isEmpty else { return nil }
            return v
        }
        if let v = value("MONOLITH_GATEWAY") { c.enabled = try flag(v, "MONOLITH_GATEWAY") }
        if let v = value("MONOLITH_AUTH") {
            guard let mode = AuthMode(rawValue: v.lowercased()) else { throw UsageError("MONOLITH_AUTH: invalid value '\(v)' (open or required)") }
            c.auth = mode
        }
        if let v = value("MONOLITH_METRICS_AUTH") {
            guard let mode = MetricsAuth(rawValue: v.lowercased()) else {
                throw UsageError("MONOLITH_METRICS_AUTH: invalid value '\(v)' (open, required or admin)")
            }
            c.metricsAuth = mode
        }
        if let secret = environment["MONOLITH_ADMIN_KEY"], !secret.isEmpty {
            guard secret.utf8.count >= 16, secret.utf8.count <= 512 else {
                throw UsageError("MONOLITH_ADMIN_KEY: the secret must be 16 to 512 bytes (e.g. the output of 'openssl rand -hex 32')")
            }
            guard secret.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw UsageError("MONOLITH_ADMIN_KEY: the secret must be visible ASCII without spaces (it travels in a header)")
            }
            c.adminKey = secret
        }
        if let v = value("MONOLITH_RATE_LIMIT_PREDICT") { c.predictLimit = try RateLimit.parse(v, variable: "MONOLITH_RATE_LIMIT_PREDICT") }
        if let v = value("MONOLITH_RATE_LIMIT_ADMIN") { c.adminLimit = try RateLimit.parse(v, variable: "MONOLITH_RATE_LIMIT_ADMIN") }
        if let v = value("MONOLITH_RATE_LIMIT_ANONYMOUS") { c.anonymousLimit = try RateLimit.parse(v, variable: "MONOLITH_RATE_LIMIT_ANONYMOUS") }
        if let v = value("MONOLITH_RATE_LIMIT_AUTH_FAILURES") {
            c.authFailureLimit = try RateLimit.parse(v, variable: "MONOLITH_RATE_LIMIT_AUTH_FAILURES")
        }
        if let v = value("MONOLITH_RATE_LIMIT_TABLE") {
            guard let n = Int(v), (64...(1 << 24)).contains(n) else {
                throw UsageError("MONOLITH_RATE_LIMIT_TABLE: invalid size '\(v)' (64 to 16777216 buckets)")
            }
            c.rateLimitTable = n
        }
        c.cors = try CORSPolicy.parse(origins: value("MONOLITH_CORS_ORIGINS"), credentials: value("MONOLITH_CORS_CREDENTIALS"),
                                      maxAge: value("MONOLITH_CORS_MAX_AGE"))
        if let v = value("MONOLITH_ACCESS_LOG") { c.accessLog = try flag(v, "MONOLITH_ACCESS_LOG") }
        return c
    }

    static func flag(_ v: String, _ name: String) throws(UsageError) -> Bool {
        switch v.lowercased() {
        case "on", "true", "1", "yes": return true
        case "off", "false", "0", "no": return false
        default: throw UsageError("\(name): invalid value '\(v)' (on or off)")
        }
    }

    /// The environment variables, for `serve --help`.
    static let help = """
        Gateway: MONOLITH_AUTH (open|required: inference needs a key), MONOLITH_ADMIN_KEY (bootstrap admin
        key secret), MONOLITH_METRICS_AUTH (open|required|admin), MONOLITH_RATE_LIMIT_PREDICT / _ADMIN /
        _ANONYMOUS (rps:burst per key or per client address, default off), MONOLITH_RATE_LIMIT_AUTH_FAILURES
        (default 1:10 per client address), MONOLITH_CORS_ORIGINS (* or a list), MONOLITH_CORS_CREDENTIALS,
        MONOLITH_CORS_MAX_AGE, MONOLITH_ACCESS_LOG (on|off). Management routes (/api/..., repository
        load/unload) always need an admin key: create one with 'monolith keys create --name NAME --scope admin'.
        """
}
