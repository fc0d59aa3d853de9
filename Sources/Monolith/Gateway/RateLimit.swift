/// A request rate with a burst allowance: `rps:burst` in configuration (`MONOLITH_RATE_LIMIT_*`).
///
/// Enforced as GCRA (the generic cell rate algorithm, ITU-T I.371): a bucket is one
/// "theoretical arrival time" (TAT). It is exactly a token bucket of `burst` tokens refilled
/// at `rate` per second, but its whole state is one 64-bit word, so it updates with one
/// compare-and-swap and an idle bucket (TAT in the past) is indistinguishable from no bucket.
struct RateLimit: Sendable, Equatable, CustomStringConvertible {
    /// Sustained requests per second.
    let rate: Double
    /// Requests allowed at once after an idle period.
    let burst: Int
    /// GCRA's emission interval T: nanoseconds per request at the sustained rate.
    let interval: UInt64
    /// GCRA's tolerance τ = (burst − 1)·T.
    let tolerance: UInt64

    /// A limit of `rate` requests per second with bursts of `burst`; nil when either is
    /// not positive or out of range.
    init?(rate: Double, burst: Int) {
        guard rate.isFinite, rate > 0, rate <= 1e9, burst >= 1, burst <= 1_000_000_000 else { return nil }
        self.rate = rate
        self.burst = burst
        interval = max(1, UInt64((1e9 / rate).rounded()))
        let (tolerance, overflow) = interval.multipliedReportingOverflow(by: UInt64(burst - 1))
        self.tolerance = overflow ? UInt64.max / 4 : min(tolerance, UInt64.max / 4)
    }

    /// Parses `rps:burst`, or `rps` (burst = max(1, rps)); `off`, `none`, `0` or empty mean
    /// no limit (nil). `variable` names the setting in the error.
    static func parse(_ text: String, variable: String) throws(UsageError) -> RateLimit? {
        let trimmed = text.trimmingCharacters(in: " \t")
        if ["", "off", "none", "0", "unlimited"].contains(trimmed.lowercased()) { return nil }
        let parts = trimmed.split(separator: ":", omittingEmptySubsequences: false)
        let usage = UsageError("\(variable): invalid rate limit '\(text)' (rps:burst, e.g. 100:200, or off)")
        guard parts.count <= 2, let rate = Double(parts[0]), rate.isFinite, rate > 0 else { throw usage }
        var burst = max(1, Int(min(rate, 1e9).rounded(.up)))
        if parts.count == 2 {
            guard let b = Int(parts[1]), b >= 1 else { throw usage }
            burst = b
        }
        guard let limit = RateLimit(rate: rate, burst: burst) else { throw usage }
        return limit
    }

    var description: String {
        let r = rate == rate.rounded() && rate < 1e15 ? String(Int64(rate)) : String(rate)
        return "\(r):\(burst)"
    }
}

/// The outcome of asking a rate limiter for one request.
enum RateDecision: Sendable, Equatable {
    /// Go ahead; `remaining` requests could follow at once.
    case allowed(remaining: Int)
    /// Refused; the bucket allows the next request in `retryAfter` nanoseconds.
    case limited(retryAfter: UInt64)
}
