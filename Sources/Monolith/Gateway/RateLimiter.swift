import Glibc
import Synchronization

/// Token buckets (as GCRA words) for many clients in a fixed-size table: bounded memory,
/// no lock, safe from any thread.
///
/// Each slot is two atomics: the identity tag (0 = never used) and the bucket's theoretical
/// arrival time (TAT, monotonic nanoseconds; 0 = full bucket). A request probes a window of
/// `probeLength` slots from its identity's hash:
/// - a slot with its tag: one compare-and-swap on the TAT (GCRA, `RateLimit`);
/// - otherwise it claims an empty slot, or an idle one (TAT in the past: a full bucket,
///   so dropping it loses nothing), or — when every slot of the window is busy (more
///   active clients than the table holds) — the one closest to full. Eviction is
///   therefore free for idle buckets and the table never grows.
///
/// Two clients racing for one slot can, rarely, charge one request to the other's bucket;
/// a rate limit may be off by a request then, never unbounded. Under two event loops
/// hammering one key, both CAS the same word: a shared cache line, no lock, no waiting.
final class RateLimiter: @unchecked Sendable {
    // @unchecked: the pointers are allocated once in init, freed in deinit, and every slot
    // is only ever read or written through its atomics.
    /// Slots probed per identity.
    static let probeLength = 8

    private let mask: Int
    private let tags: UnsafeMutablePointer<Atomic<UInt64>>
    private let tats: UnsafeMutablePointer<Atomic<UInt64>>
    /// Buckets taken over from an active client because the table was full.
    let evictions = Atomic<UInt64>(0)

    /// A table of at least `capacity` slots (rounded up to a power of two, 64 ... 2^24).
    init(capacity: Int) {
        var size = 64
        while size < min(max(capacity, 64), 1 << 24) { size <<= 1 }
        mask = size - 1
        // Zeroed memory is a table of Atomic(0) (a trivial type): calloc hands out pages the
        // kernel zeroes on first touch, so an idle server neither spends start-up time nor
        // resident memory on slots no client has used.
        tags = Self.zeroedSlots(size)
        tats = Self.zeroedSlots(size)
    }

    private static func zeroedSlots(_ count: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
        // Out of memory before the server even starts: as fatal as any failed allocation.
        guard let raw = calloc(count, MemoryLayout<Atomic<UInt64>>.stride) else { preconditionFailure("out of memory") }
        return raw.bindMemory(to: Atomic<UInt64>.self, capacity: count)
    }

    deinit {
        free(tags)
        free(tats)
    }

    /// The number of slots.
    var capacity: Int { mask + 1 }

    /// Takes one request from `identity`'s bucket under `limit` at monotonic time `now`.
    func acquire(_ identity: UInt64, limit: RateLimit, now: UInt64) -> RateDecision {
        let slot = self.slot(for: identity, now: now)
        let tat = tats + slot
        var old = tat.pointee.load(ordering: .relaxed)
        while true {
            let start = max(old, now)
            // GCRA: refuse while the next arrival would come more than τ early.
            if start - now > limit.tolerance {
                return .limited(retryAfter: start - now - limit.tolerance)
            }
            let next = start &+ limit.interval
            let (exchanged, current) = tat.pointee.compareExchange(
                expected: old, desired: next, successOrdering: .relaxed, failureOrdering: .relaxed)
            if exchanged {
                let slack = limit.tolerance &+ limit.interval &- (next - now)
                return .allowed(remaining: Int(min(slack / limit.interval, UInt64(limit.burst))))
            }
            old = current
        }
    }

    /// How long until `identity`'s bucket allows a request, when it is empty at `now`;
    /// nil when a request would pass. Takes nothing from the bucket.
    func waitTime(_ identity: UInt64, limit: RateLimit, now: UInt64) -> UInt64? {
        let start = mixed(identity) & mask
        for k in 0..<Self.probeLength {
            let i = (start + k) & mask
            if tags[i].load(ordering: .acquiring) == tag(identity) {
                let tat = tats[i].load(ordering: .relaxed)
                guard tat > now, tat - now > limit.tolerance else { return nil }
                return tat - now - limit.tolerance
            }
        }
        return nil
    }

    /// The slot holding `identity`'s bucket, claiming one when it has none.
    private func slot(for identity: UInt64, now: UInt64) -> Int {
        let tag = self.tag(identity)
        let start = mixed(identity) & mask
        for _ in 0..<2 {
            var candidate = -1
            var candidateTag: UInt64 = 0
            var candidateTAT = UInt64.max
            for k in 0..<Self.probeLength {
                let i = (start + k) & mask
                let t = tags[i].load(ordering: .acquiring)
                if t == tag { return i }
                // Empty and idle slots hold full buckets: rank them as TAT 0.
                let tat = t == 0 ? 0 : tats[i].load(ordering: .relaxed)
                let rank = tat <= now ? 0 : tat
                if rank < candidateTAT {
                    candidate = i
                    candidateTag = t
                    candidateTAT = rank
                }
            }
            guard candidate >= 0 else { break }
            if tags[candidate].compareExchange(expected: candidateTag, desired: tag, ordering: .acquiringAndReleasing).exchanged {
                if candidateTAT != 0 { evictions.wrappingAdd(1, ordering: .relaxed) }
                tats[candidate].store(0, ordering: .relaxed)
                return candidate
            }
        }
        // Lost two races for the window: share the first slot rather than spin.
        return start
    }

    @inline(__always)
    private func tag(_ identity: UInt64) -> UInt64 { identity == 0 ? 1 : identity }

    @inline(__always)
    private func mixed(_ identity: UInt64) -> Int {
        Int(truncatingIfNeeded: RateLimiter.mix(identity) >> 1)
    }

    /// SplitMix64's finalizer: spreads nearby identities (consecutive addresses) over the table.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
