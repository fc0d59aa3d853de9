import Synchronization

/// Where each metric lives in a `MetricsStripe`: fixed offsets computed once per gateway.
struct MetricsLayout: Sendable {
    /// Histogram bucket upper bounds in nanoseconds (the finite ones; +Inf follows).
    static let bucketBounds: [UInt64] = [
        100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000,
        50_000_000, 100_000_000, 250_000_000, 500_000_000, 1_000_000_000, 2_500_000_000,
        5_000_000_000, 10_000_000_000,
    ]
    /// Distinct (route, method, status) counters a stripe holds.
    static let requestTableSize = 1024
    /// Distinct (model, version) inference series.
    static let seriesCapacity = 512
    /// Cells per histogram: finite buckets, +Inf, sum (ns).
    static let histogramWidth = bucketBounds.count + 2

    /// Route slots: one per route of the route table, plus `unmatched` (the last).
    let routeSlots: Int

    let inFlight = 0
    let requestKeys = 1
    var requestCounts: Int { requestKeys + Self.requestTableSize }
    var durations: Int { requestCounts + Self.requestTableSize }
    var inference: Int { durations + routeSlots * Self.histogramWidth }
    var counters: Int { inference + Self.seriesCapacity * Self.histogramWidth }
    var cellCount: Int { counters + GatewayCounter.allCases.count }

    init(routeCount: Int) {
        routeSlots = max(0, routeCount) + 1
    }

    /// The slot of requests no route matched.
    var unmatchedSlot: Int { routeSlots - 1 }

    /// The bucket index of a duration (the +Inf bucket past the last bound).
    @inline(__always)
    static func bucket(_ nanos: UInt64) -> Int {
        var i = 0
        while i < bucketBounds.count && nanos > bucketBounds[i] { i += 1 }
        return i
    }
}

/// Plain counters of the gateway, one cell each.
enum GatewayCounter: Int, CaseIterable, Sendable {
    case rateLimitedPredict, rateLimitedAdmin, rateLimitedAnonymous, rateLimitedAuthFailures
    case authMissing, authInvalid, authForbidden
    case droppedSeries
}

/// One thread's metric cells: written by that thread only (a relaxed load and store, no
/// read-modify-write, no shared cache line), read by scrapes through the same atomics.
final class MetricsStripe: @unchecked Sendable {
    // @unchecked: `cells` is allocated in init, freed in deinit, accessed only atomically.
    let layout: MetricsLayout
    private let cells: UnsafeMutablePointer<Atomic<UInt64>>

    init(layout: MetricsLayout) {
        self.layout = layout
        cells = .allocate(capacity: layout.cellCount)
        for i in 0..<layout.cellCount { (cells + i).initialize(to: Atomic(0)) }
    }

    deinit {
        cells.deinitialize(count: layout.cellCount)
        cells.deallocate()
    }

    /// Adds `delta` to cell `i` (owner thread only).
    @inline(__always)
    func add(_ i: Int, _ delta: UInt64 = 1) {
        let cell = cells + i
        cell.pointee.store(cell.pointee.load(ordering: .relaxed) &+ delta, ordering: .relaxed)
    }

    /// Reads cell `i` (any thread).
    @inline(__always)
    func read(_ i: Int) -> UInt64 { cells[i].load(ordering: .relaxed) }

    func count(_ counter: GatewayCounter) { add(layout.counters + counter.rawValue) }

    func beginRequest() { add(layout.inFlight, 1) }
    func endRequest() { add(layout.inFlight, UInt64.max) }  // wrapping −1

    /// Counts one answered request.
    func countRequest(routeSlot: Int, method: Int, status: Int) {
        let key = UInt64(routeSlot + 1) << 32 | UInt64(method) << 16 | UInt64(max(0, min(999, status)))
        let size = MetricsLayout.requestTableSize
        var i = Int(truncatingIfNeeded: RateLimiter.mix(key) >> 1) & (size - 1)
        for _ in 0..<size {
            let k = cells[layout.requestKeys + i].load(ordering: .acquiring)
            if k == key {
                add(layout.requestCounts + i)
                return
            }
            if k == 0 {
                // Claim: the count (still 0) is set before the key is published.
                add(layout.requestCounts + i)
                cells[layout.requestKeys + i].store(key, ordering: .releasing)
                return
            }
            i = (i + 1) & (size - 1)
        }
        count(.droppedSeries)
    }

    func observeDuration(routeSlot: Int, nanos: UInt64) {
        observe(layout.durations + routeSlot * MetricsLayout.histogramWidth, nanos)
    }

    func observeInference(series: Int, nanos: UInt64) {
        guard series >= 0, series < MetricsLayout.seriesCapacity else { return }
        observe(layout.inference + series * MetricsLayout.histogramWidth, nanos)
    }

    @inline(__always)
    private func observe(_ base: Int, _ nanos: UInt64) {
        add(base + MetricsLayout.bucket(nanos))
        add(base + MetricsLayout.histogramWidth - 1, nanos)
    }

    /// The (key, count) pairs of the request table.
    func requestCounts() -> [(key: UInt64, count: UInt64)] {
        var out: [(UInt64, UInt64)] = []
        for i in 0..<MetricsLayout.requestTableSize {
            let k = cells[layout.requestKeys + i].load(ordering: .acquiring)
            if k != 0 { out.append((k, read(layout.requestCounts + i))) }
        }
        return out
    }
}

/// Sums of histogram cells across stripes.
struct HistogramTotals {
    var buckets = [UInt64](repeating: 0, count: MetricsLayout.bucketBounds.count + 1)
    var sumNanos: UInt64 = 0
    var count: UInt64 { buckets.reduce(0, &+) }

    mutating func add(_ stripe: MetricsStripe, base: Int) {
        for b in 0..<buckets.count { buckets[b] &+= stripe.read(base + b) }
        sumNanos &+= stripe.read(base + MetricsLayout.histogramWidth - 1)
    }

    mutating func merge(_ other: HistogramTotals) {
        for b in 0..<buckets.count { buckets[b] &+= other.buckets[b] }
        sumNanos &+= other.sumNanos
    }
}

/// Inference series (model, version) → slot, shared by every thread of a gateway.
/// Assigned once per series under a lock (cold); threads memoize the slot.
final class InferenceSeries: Sendable {
    private let state = Mutex<(slots: [String: Int], labels: [(model: String, version: String)])>(([:], []))

    /// The slot of (model, version), or -1 when the table is full.
    func slot(model: String, version: String, key: String) -> Int {
        state.withLock { state in
            if let slot = state.slots[key] { return slot }
            guard state.labels.count < MetricsLayout.seriesCapacity else { return -1 }
            state.labels.append((model, version))
            state.slots[key] = state.labels.count - 1
            return state.labels.count - 1
        }
    }

    var labels: [(model: String, version: String)] { state.withLock { $0.labels } }
}
