import HTTPKit
import StoreKitLite
import Testing
@testable import Monolith

/// Rate limits: GCRA buckets per key and per client address, 429 with Retry-After, recovery,
/// bounded memory, failed authentications limited per address.
@Suite struct GatewayLimitsTests {
    @Test func aKeyOverItsLimitGets429WithRetryAfterThenRecovers() throws {
        let server = try GatewayServer(environment: ["MONOLITH_RATE_LIMIT_PREDICT": "0.2:2"])
        let key = server.secret("predict")
        let first = try server.predict(key: key)
        #expect(first.status == 200)
        #expect(first.headers["RateLimit-Remaining"] == nil)
        #expect(try server.predict(key: key).status == 200)
        let limited = try server.predict(key: key)
        #expect(limited.status == 429)
        let retry = try #require(limited.headers["Retry-After"].flatMap { Int($0) })
        #expect((1...5).contains(retry))
        #expect(limited.headers["RateLimit-Limit"] == "2")
        #expect(limited.headers["RateLimit-Remaining"] == "0")
        #expect(limited.headers["RateLimit-Reset"] == String(retry))
        #expect(limited.bodyText.contains("rate limit"))
        // Anonymous calls and the admin key have buckets of their own.
        #expect(try server.predict().status == 200)
        #expect(try server.predict(key: server.secret("admin")).status == 200)
        // Probes are never limited.
        #expect(try server.request("GET", "/health").status == 200)
        // The bucket refills at one request per 5 seconds.
        #expect(try eventually { try server.predict(key: key).status == 200 })
        let metrics = try server.request("GET", "/metrics").bodyText
        #expect(metrics.contains(#"monolith_rate_limited_total{scope="predict"} "#))
        #expect(!metrics.contains(#"monolith_rate_limited_total{scope="predict"} 0"#))
    }

    @Test func anonymousCallsAreLimitedPerClientAddress() throws {
        let server = try GatewayServer(environment: ["MONOLITH_RATE_LIMIT_ANONYMOUS": "0.2:3"])
        var statuses: [Int] = []
        for _ in 0..<4 { statuses.append(try server.predict().status) }
        #expect(statuses == [200, 200, 200, 429])
        #expect(try server.predict(key: server.secret("predict")).status == 200)
    }

    @Test func failedAuthenticationsAreLimitedPerAddress() throws {
        let server = try GatewayServer(environment: ["MONOLITH_RATE_LIMIT_AUTH_FAILURES": "0.2:3"])
        let wrong = "mk_0123456789ab_" + String(repeating: "f", count: 64)
        var statuses: [Int] = []
        for _ in 0..<5 { statuses.append(try server.request("GET", "/api/models", key: wrong).status) }
        #expect(statuses == [401, 401, 401, 429, 429])
        // While locked out, even a valid key from this address waits…
        let locked = try server.request("GET", "/api/models", key: server.secret("admin"))
        #expect(locked.status == 429)
        #expect(locked.headers["Retry-After"] != nil)
        // …but calls without credentials on open routes still pass.
        #expect(try server.predict().status == 200)
        #expect(try eventually { try server.request("GET", "/api/models", key: server.secret("admin")).status == 200 })
    }

    @Test func gcraIsATokenBucket() throws {
        let limiter = RateLimiter(capacity: 64)
        let limit = try #require(RateLimit(rate: 10, burst: 3))
        let t0: UInt64 = 1_000_000_000
        #expect(limiter.acquire(7, limit: limit, now: t0) == .allowed(remaining: 2))
        #expect(limiter.acquire(7, limit: limit, now: t0) == .allowed(remaining: 1))
        #expect(limiter.acquire(7, limit: limit, now: t0) == .allowed(remaining: 0))
        #expect(limiter.acquire(7, limit: limit, now: t0) == .limited(retryAfter: 100_000_000))
        #expect(limiter.waitTime(7, limit: limit, now: t0) == 100_000_000)
        // One token per 100 ms.
        #expect(limiter.acquire(7, limit: limit, now: t0 + 100_000_000) == .allowed(remaining: 0))
        #expect(limiter.acquire(7, limit: limit, now: t0 + 150_000_000) == .limited(retryAfter: 50_000_000))
        // After a full second idle the bucket is full again.
        #expect(limiter.acquire(7, limit: limit, now: t0 + 2_000_000_000) == .allowed(remaining: 2))
        // Another identity is independent.
        #expect(limiter.acquire(8, limit: limit, now: t0) == .allowed(remaining: 2))
    }

    @Test func theTableNeverGrowsAndIdleBucketsAreReused() throws {
        let limiter = RateLimiter(capacity: 64)
        #expect(limiter.capacity == 64)
        let limit = try #require(RateLimit(rate: 1, burst: 1))
        // Far more identities than slots, each used once: idle buckets make room.
        for i in 0..<10_000 {
            let now = UInt64(i) * 2_000_000_000 + 1
            #expect(limiter.acquire(UInt64(i) &* 0x9E37_79B9, limit: limit, now: now) == .allowed(remaining: 0))
        }
        #expect(limiter.evictions.load(ordering: .relaxed) == 0)
        // Many active clients at once: the table evicts (counted) instead of growing.
        for i in 0..<1_000 { _ = limiter.acquire(UInt64(i) + 1_000_000, limit: limit, now: 5) }
        #expect(limiter.evictions.load(ordering: .relaxed) > 0)
    }

    @Test func limitsParseFromConfiguration() throws {
        #expect(try RateLimit.parse("100:200", variable: "X")?.burst == 200)
        #expect(try RateLimit.parse("0.5:1", variable: "X")?.interval == 2_000_000_000)
        #expect(try RateLimit.parse("20", variable: "X")?.burst == 20)
        #expect(try RateLimit.parse("off", variable: "X") == nil)
        for bad in ["-1:2", "abc", "1:0", "1:2:3", "nan:1", "inf"] {
            #expect(throws: UsageError.self) { try RateLimit.parse(bad, variable: "X") }
        }
        #expect(throws: UsageError.self) { try GatewayConfiguration.load(environment: ["MONOLITH_AUTH": "sometimes"]) }
        #expect(throws: UsageError.self) { try GatewayConfiguration.load(environment: ["MONOLITH_ADMIN_KEY": "short"]) }
        #expect(throws: UsageError.self) { try GatewayConfiguration.load(environment: ["MONOLITH_CORS_ORIGINS": "example.com"]) }
        let c = try GatewayConfiguration.load(environment: ["MONOLITH_RATE_LIMIT_ADMIN": "2:4", "MONOLITH_ACCESS_LOG": "off"])
        #expect(c.adminLimit?.burst == 4)
        #expect(!c.accessLog)
        #expect(c.authFailureLimit != nil)
    }
}
