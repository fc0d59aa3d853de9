import Glibc
import HTTPKit
import StoreKitLite
import Synchronization

/// The part of a gateway one thread owns: its metrics stripe, its access-log buffer, its id
/// generator and its cache of authenticated keys. Reached through a thread-local table, so
/// the request path shares no writable memory between event loops (no lock, no bouncing
/// cache line): each loop counts into its own stripe, and `/metrics` sums the stripes.
final class GatewayLocal: @unchecked Sendable {
    // @unchecked: `random`, `keys`, `verified` and `seriesSlots` are touched only by the
    // owning thread; `metrics` is written by the owner and read by scrapes through atomics;
    // `log` is behind its own lock.
    let metrics: MetricsStripe
    let log: AccessLogBuffer
    var random = FastRandom()
    /// The key snapshot this thread uses, refreshed when the directory's version moves.
    var keys: KeySnapshot = .empty
    /// Presented secrets already verified against `keys` (see `VerifiedKeyCache`).
    var verified = VerifiedKeyCache()
    /// Inference series slots by "name\u{0}version" (owner-only memo of the shared registry).
    var seriesSlots: [String: Int] = [:]
    /// The last inference series lookup (most requests of a thread hit the same model):
    /// the model's identity, confirmed by name and version (an identity can be reused by
    /// a later object; a weak reference would put every model's refcounting on its slow path).
    var lastSeriesModel: ObjectIdentifier?
    var lastSeriesName = ""
    var lastSeriesVersion = ""
    var lastSeriesSlot = -1
    /// Cached wall-clock second and its `2025-01-31T12:00:00.` prefix for log lines.
    var clockSecond: Int = -1
    var clockPrefix: [UInt8] = []

    /// Where this thread formats an access line before copying it to `log`.
    let scratch: UnsafeMutablePointer<UInt8>
    /// This thread's copies of the route policy's access table and of the route templates
    /// as JSON (last: `unmatched`): read on every request, so not shared between threads
    /// (sharing an array means sharing its reference count).
    let access: [RouteAccess]
    let routeJSON: [[UInt8]]

    init(metrics: MetricsStripe, log: AccessLogBuffer, policy: RoutePolicy) {
        self.metrics = metrics
        self.log = log
        scratch = .allocate(capacity: AccessLogFormat.maxLineBytes)
        access = policy.access.map { $0 }
        routeJSON = (policy.templates + ["unmatched"]).map(AccessLogFormat.literal)
    }

    deinit {
        scratch.deallocate()
    }
}

/// Presented secrets this thread has already verified, keyed by a keyed hash of the secret,
/// so a repeat request skips SHA-256 (~1 µs for an 80-byte key here).
///
/// No secret is stored: a slot holds a 64-bit SipHash of the secret (Swift's `Hasher`,
/// seeded per process, after a per-thread random seed), the snapshot version and the key.
/// Passing for a cached key needs a secret with the same keyed hash: the attacker sees no
/// hash, so each guess succeeds with probability 2^-64 (and failed guesses are rate
/// limited). Entries are valid only for the snapshot they were verified against: a
/// revocation publishes a new snapshot and every cached verification lapses with it.
/// Only successes are cached, so invalid keys cannot push valid ones out.
struct VerifiedKeyCache {
    private struct Slot {
        var tag: UInt64 = 0
        var version: UInt64 = 0
        var key: ThreadKey?
    }

    private static let size = 64
    private var slots = [Slot](repeating: Slot(), count: VerifiedKeyCache.size)
    private let seed: UInt64

    init() {
        var system = SystemRandomNumberGenerator()
        seed = system.next()
    }

    /// The keyed hash of `secret`.
    func tag(_ secret: ArraySlice<UInt8>) -> UInt64 {
        secret.withUnsafeBytes { raw in
            var hasher = Hasher()
            hasher.combine(seed)
            hasher.combine(bytes: raw)
            return UInt64(bitPattern: Int64(hasher.finalize()))
        }
    }

    func lookup(_ tag: UInt64, version: UInt64) -> ThreadKey? {
        let slot = slots[Int(tag & UInt64(Self.size - 1))]
        guard slot.version == version, slot.tag == tag else { return nil }
        return slot.key
    }

    mutating func store(_ tag: UInt64, version: UInt64, key: ThreadKey) {
        slots[Int(tag & UInt64(Self.size - 1))] = Slot(tag: tag, version: version, key: key)
    }
}

/// Finds the calling thread's `GatewayLocal` for a gateway, creating it on first use.
///
/// A pthread key holds, per thread, a short list of (gateway id, local) pairs: a process
/// normally runs one gateway; tests run several, hence the list (oldest evicted past 8).
/// The gateway keeps every local it created, for scrapes and log flushes.
final class GatewayLocals: Sendable {
    private static let nextID = Atomic<UInt64>(1)
    private let id: UInt64
    private let all = Mutex<[GatewayLocal]>([])
    private let make: @Sendable () -> GatewayLocal

    init(make: @escaping @Sendable () -> GatewayLocal) {
        id = GatewayLocals.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        self.make = make
    }

    /// The calling thread's local.
    @inline(__always)
    func current() -> GatewayLocal {
        if let table = ThreadLocalTable.current {
            if let local = table.lookup(id) { return local }
            let local = create()
            table.store(id, local)
            return local
        }
        return create()
    }

    /// Every local created so far (scrape and flush).
    var locals: [GatewayLocal] { all.withLock { $0 } }

    private func create() -> GatewayLocal {
        let local = make()
        all.withLock { $0.append(local) }
        return local
    }
}

/// A thread's (gateway id → local) list behind a pthread key.
private final class ThreadLocalTable {
    private var entries: [(id: UInt64, local: GatewayLocal)] = []

    static var current: ThreadLocalTable? {
        guard let key = tableKey else { return nil }
        if let raw = pthread_getspecific(key) {
            return Unmanaged<ThreadLocalTable>.fromOpaque(raw).takeUnretainedValue()
        }
        let table = ThreadLocalTable()
        let raw = Unmanaged.passRetained(table).toOpaque()
        guard pthread_setspecific(key, raw) == 0 else {
            Unmanaged<ThreadLocalTable>.fromOpaque(raw).release()
            return nil
        }
        return table
    }

    @inline(__always)
    func lookup(_ id: UInt64) -> GatewayLocal? {
        for entry in entries where entry.id == id { return entry.local }
        return nil
    }

    func store(_ id: UInt64, _ local: GatewayLocal) {
        if entries.count >= 8 { entries.removeFirst() }
        entries.append((id, local))
    }
}

/// The pthread key of the per-thread tables; its destructor releases a thread's table.
private let tableKey: pthread_key_t? = {
    var key = pthread_key_t()
    let rc = pthread_key_create(&key) { raw in
        guard let raw else { return }
        Unmanaged<AnyObject>.fromOpaque(raw).release()
    }
    return rc == 0 ? key : nil
}()
