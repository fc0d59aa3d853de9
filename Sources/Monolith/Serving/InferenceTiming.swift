#if canImport(Glibc)
import Glibc
#endif
import HTTPKit

/// Per-call time of `Session.run` on the calling thread (`monolith infer --time`):
/// 0.2 s of warm-up, then 5 rounds of about a fifth of the budget each; the median round's
/// thread-CPU time per call (what a busy machine skews least) and its wall time. The method
/// bench/lib/inproc.py uses for onnxruntime, so the two are compared like for like.
struct InferenceTiming {
    /// Thread-CPU microseconds per call of each round, sorted.
    let roundsMicros: [Double]
    /// Wall microseconds per call of the median-CPU round.
    let wallMicros: Double
    /// Timed calls (warm-up excluded).
    let calls: Int

    var medianMicros: Double { roundsMicros[roundsMicros.count / 2] }

    static func measure(seconds: Double, _ call: () throws -> Void) rethrows -> InferenceTiming {
        var warmCalls = 0
        let warmStart = wallNanos()
        repeat {
            try call()
            warmCalls += 1
        } while wallNanos() - warmStart < 200_000_000
        let perRound = max(1, Int(Double(warmCalls) * seconds / 5 / 0.2))
        var rounds: [(cpu: Double, wall: Double)] = []
        for _ in 0..<5 {
            let cpu = threadCPUNanos(), wall = wallNanos()
            for _ in 0..<perRound { try call() }
            rounds.append((Double(threadCPUNanos() - cpu) / 1000 / Double(perRound), Double(wallNanos() - wall) / 1000 / Double(perRound)))
        }
        rounds.sort { $0.cpu < $1.cpu }
        return InferenceTiming(roundsMicros: rounds.map(\.cpu), wallMicros: rounds[rounds.count / 2].wall, calls: perRound * rounds.count)
    }

    /// `{"timing":{"median_us":…,"wall_us":…,"rounds_us":[…],"calls":…}}`
    var json: [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.key("timing")
        json.beginObject()
        json.key("median_us"); json.number(medianMicros)
        json.key("wall_us"); json.number(wallMicros)
        json.key("rounds_us")
        json.beginArray()
        for round in roundsMicros { json.number(round) }
        json.endArray()
        json.key("calls"); json.number(calls)
        json.endObject()
        json.endObject()
        return json.bytes
    }

    private static func threadCPUNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    private static func wallNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
