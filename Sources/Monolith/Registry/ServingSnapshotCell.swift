import Glibc
import HTTPKit
import Synchronization

/// Holds the current `ServingSnapshot` and publishes new ones atomically; request threads
/// read it without taking a lock.
///
/// How a read stays lock-free (DESIGN.md: "the hot path does no I/O and takes no lock"):
/// - The writer keeps the snapshot under a `Mutex` and, after replacing it, bumps an
///   `Atomic` generation.
/// - Each thread caches `(cell, generation, weak snapshot)` in a thread-local box
///   (`pthread_getspecific`). A read loads the generation (one acquiring atomic load); when
///   it matches the cached one, the cached snapshot is current and is returned. Only the
///   first read on a thread after a swap takes the writer's lock, once, to refresh its cache.
/// - The cache holds the snapshot weakly, so an idle thread never keeps a retired snapshot
///   (and its models) alive; a request holds what it resolved strongly until it returns,
///   which is what lets a removed version finish its in-flight requests (ARC frees it
///   after the last one).
///
/// Writers (`publish`) are serialized by the same lock. Threads waiting for a change (a
/// model that is loading) block on a condition variable signalled by every publish.
final class ServingSnapshotCell: Sendable {
    private static let nextID = Atomic<UInt64>(1)

    /// Identifies this cell in the per-thread caches.
    private let id: UInt64
    private let generation: Atomic<UInt64>
    private let current: Mutex<ServingSnapshot>
    private let signal = SwapSignal()

    init(_ initial: ServingSnapshot = .empty) {
        id = ServingSnapshotCell.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        generation = Atomic(initial.generation)
        current = Mutex(initial)
    }

    /// The current snapshot. Lock-free unless a swap happened since this thread's last read.
    func load() -> ServingSnapshot {
        let published = generation.load(ordering: .acquiring)
        let cache = ThreadSnapshotCache.current
        if let cached = cache?.lookup(cell: id, generation: published) { return cached }
        let snapshot = current.withLock { $0 }
        cache?.store(cell: id, snapshot: snapshot)
        return snapshot
    }

    /// Replaces the snapshot with `make(current)`, whose generation must be higher, and wakes
    /// waiters. Returns the published snapshot.
    @discardableResult
    func publish(_ make: (ServingSnapshot) throws -> ServingSnapshot) rethrows -> ServingSnapshot {
        let next = try current.withLock { (snapshot: inout ServingSnapshot) throws -> ServingSnapshot in
            let next = try make(snapshot)
            snapshot = next
            generation.store(next.generation, ordering: .releasing)
            return next
        }
        signal.advance(to: next.generation)
        return next
    }

    /// Blocks until a snapshot newer than `seen` is published or the monotonic `deadline`
    /// (nanoseconds) passes. Returns false on timeout. No busy spin: a condition variable.
    func waitForChange(after seen: UInt64, deadline: UInt64) -> Bool {
        signal.wait(after: seen, deadline: deadline)
    }
}

/// A generation number behind a `ConditionLock` (monotonic clock).
private final class SwapSignal: @unchecked Sendable {
    // @unchecked: `generation` is touched only with `lock` held.
    private let lock = ConditionLock()
    private var generation: UInt64 = 0

    func advance(to value: UInt64) {
        lock.withLock {
            if value > generation { generation = value }
            lock.broadcast()
        }
    }

    func wait(after seen: UInt64, deadline: UInt64) -> Bool {
        lock.withLock {
            while generation <= seen {
                if !lock.wait(untilNanoseconds: deadline) { return generation > seen }
            }
            return true
        }
    }
}

/// The per-thread cache of current snapshots, one entry per cell (a process has one
/// registry; tests have a few, hence a small list with the oldest entry evicted).
private final class ThreadSnapshotCache {
    private struct Entry {
        var cell: UInt64
        var generation: UInt64
        weak var snapshot: ServingSnapshot?
    }

    private var entries: [Entry] = []
    private static let capacity = 4

    /// This thread's cache, created on first use; nil only if the system refuses a key.
    static var current: ThreadSnapshotCache? {
        guard let key = threadCacheKey else { return nil }
        if let raw = pthread_getspecific(key) {
            return Unmanaged<ThreadSnapshotCache>.fromOpaque(raw).takeUnretainedValue()
        }
        let cache = ThreadSnapshotCache()
        let raw = Unmanaged.passRetained(cache).toOpaque()
        guard pthread_setspecific(key, raw) == 0 else {
            Unmanaged<ThreadSnapshotCache>.fromOpaque(raw).release()
            return nil
        }
        return cache
    }

    func lookup(cell: UInt64, generation: UInt64) -> ServingSnapshot? {
        // By index: iterating copies each entry, and copying a weak reference is a runtime call.
        for i in entries.indices where entries[i].cell == cell {
            return entries[i].generation == generation ? entries[i].snapshot : nil
        }
        return nil
    }

    func store(cell: UInt64, snapshot: ServingSnapshot) {
        if let i = entries.firstIndex(where: { $0.cell == cell }) {
            entries[i].generation = snapshot.generation
            entries[i].snapshot = snapshot
            return
        }
        if entries.count >= ThreadSnapshotCache.capacity { entries.removeFirst() }
        entries.append(Entry(cell: cell, generation: snapshot.generation, snapshot: snapshot))
    }
}

/// The pthread key of the per-thread caches; its destructor releases a thread's cache when
/// the thread exits.
private let threadCacheKey: pthread_key_t? = {
    var key = pthread_key_t()
    let rc = pthread_key_create(&key) { raw in
        guard let raw else { return }
        Unmanaged<AnyObject>.fromOpaque(raw).release()
    }
    return rc == 0 ? key : nil
}()
