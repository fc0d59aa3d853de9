#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The counters behind Triton's statistics extension (`GET /v2/models[/{m}[/versions/{v}]]/stats`,
/// triton-inference-server/server `docs/protocol/extension_statistics.md`) for one loaded model
/// version: successes and failures with their cumulative durations, the time spent before,
/// in and after `Session.run`, rows and executions, and the same per batch size.
///
/// Every inference route counts here (`InferenceRun`), so the figures are those of the
/// requests actually served. The hot path takes no lock and shares no written cache line:
/// each thread counts into its own stripe (a relaxed load and store per cell, no
/// read-modify-write — the `MetricsStripe` scheme), found by a small per-thread index; a
/// model's stripe for a thread is allocated the first time that thread serves it. Reads
/// (the stats routes) sum the stripes through the same atomics, so a read taken while a
/// request is being counted may see some of its cells and not yet the others.
///
/// Counters live as long as the loaded version: a reload starts from zero, as Triton's do.
final class InferenceStatistics: @unchecked Sendable {
    // @unchecked: `slots` and every stripe it points to are reached only through atomics; a
    // stripe is written by the one thread owning its index (the last, overflow stripe only
    // under `overflowLock`); everything is freed in deinit, when no request holds the model.

    /// The cells of a stripe, before its batch table.
    enum Cell: Int, CaseIterable {
        case successCount, successNanos, failCount, failNanos
        case queueNanos, inputNanos, inferNanos, outputNanos
        /// Rows (the first dimension of the first input), summed over successes.
        case rows
        /// Monotonic nanoseconds when the last request (success or failure) ended: a maximum.
        case lastEnd
    }

    /// Distinct batch sizes a stripe keeps (`batch_stats`); sizes past these still count in
    /// every total, only not in `batch_stats`.
    static let batchSlots = 32
    /// Cells per batch entry: key (batch size + 1; 0 is free), count, input, infer, output ns.
    static let batchWidth = 5
    /// Cells before the batch table (a constant: `allCases` would build an array per use).
    static var scalarCells: Int { Cell.lastEnd.rawValue + 1 }
    static var stripeCells: Int { scalarCells + batchSlots * batchWidth }
    /// Threads with their own stripe; threads past these (only if that many are alive at
    /// once) share the overflow stripe under a lock.
    static let threadSlots = 256

    private typealias Stripe = UnsafeMutablePointer<Atomic<UInt64>>
    private let slots: UnsafeMutablePointer<Atomic<Stripe?>>
    private let overflowLock = Mutex(())

    init() {
        slots = .allocate(capacity: Self.threadSlots + 1)
        for i in 0...Self.threadSlots { (slots + i).initialize(to: Atomic(nil)) }
    }

    deinit {
        for i in 0...Self.threadSlots {
            if let stripe = slots[i].load(ordering: .acquiring) {
                stripe.deinitialize(count: Self.stripeCells)
                stripe.deallocate()
            }
        }
        slots.deinitialize(count: Self.threadSlots + 1)
        slots.deallocate()
    }

    // MARK: Counting (hot path)

    /// Counts a request that ran the model and answered. Times are monotonic nanoseconds:
    /// `received` the request's arrival, `start` when its handler had the model, `inferStart`
    /// and `inferEnd` around `Session.run`, `end` once the answer was encoded.
    @inline(__always)
    func recordSuccess(received: UInt64, start: UInt64, inferStart: UInt64, inferEnd: UInt64, end: UInt64, rows: Int) {
        let input = inferStart &- start, infer = inferEnd &- inferStart, output = end &- inferEnd
        withStripe { stripe in
            Self.add(stripe, .successCount, 1)
            Self.add(stripe, .successNanos, end &- received)
            Self.add(stripe, .queueNanos, start &- received)
            Self.add(stripe, .inputNanos, input)
            Self.add(stripe, .inferNanos, infer)
            Self.add(stripe, .outputNanos, output)
            Self.add(stripe, .rows, UInt64(max(0, rows)))
            Self.noteEnd(stripe, end)
            guard let entry = Self.batchEntry(stripe, rows: rows) else { return }
            Self.add(entry + 1, 1)
            Self.add(entry + 2, input)
            Self.add(entry + 3, infer)
            Self.add(entry + 4, output)
            // Published after its counts (a new entry's reader sees them with its key).
            if entry.pointee.load(ordering: .relaxed) == 0 {
                entry.pointee.store(UInt64(max(0, rows)) &+ 1, ordering: .releasing)
            }
        }
    }

    /// Counts a request that resolved the model but failed (bad input, a model error…).
    func recordFailure(received: UInt64, end: UInt64) {
        withStripe { stripe in
            Self.add(stripe, .failCount, 1)
            Self.add(stripe, .failNanos, end &- received)
            Self.noteEnd(stripe, end)
        }
    }

    @inline(__always)
    private func withStripe(_ body: (Stripe) -> Void) {
        if let index = StatisticsThreadIndex.current, index < Self.threadSlots {
            body(stripe(at: index))
        } else {
            overflowLock.withLock { _ in body(stripe(at: Self.threadSlots)) }
        }
    }

    /// The stripe of slot `i`, allocated by its owner on first use (so no race to create it).
    @inline(__always)
    private func stripe(at i: Int) -> Stripe {
        if let existing = slots[i].load(ordering: .acquiring) { return existing }
        let created = Stripe.allocate(capacity: Self.stripeCells)
        for c in 0..<Self.stripeCells { (created + c).initialize(to: Atomic(0)) }
        slots[i].store(created, ordering: .releasing)
        return created
    }

    @inline(__always)
    private static func add(_ stripe: Stripe, _ cell: Cell, _ delta: UInt64) {
        add(stripe + cell.rawValue, delta)
    }

    /// Owner-only increment: a relaxed load and store, no read-modify-write.
    @inline(__always)
    private static func add(_ cell: Stripe, _ delta: UInt64) {
        cell.pointee.store(cell.pointee.load(ordering: .relaxed) &+ delta, ordering: .relaxed)
    }

    @inline(__always)
    private static func noteEnd(_ stripe: Stripe, _ end: UInt64) {
        let cell = stripe + Cell.lastEnd.rawValue
        if end > cell.pointee.load(ordering: .relaxed) { cell.pointee.store(end, ordering: .relaxed) }
    }

    /// The batch entry of `rows` in `stripe` (its key cell), or nil when the table is full.
    @inline(__always)
    private static func batchEntry(_ stripe: Stripe, rows: Int) -> Stripe? {
        let key = UInt64(max(0, rows)) &+ 1
        let table = stripe + scalarCells
        var i = Int(truncatingIfNeeded: key) & (batchSlots - 1)
        for _ in 0..<batchSlots {
            let entry = table + i * batchWidth
            let found = entry.pointee.load(ordering: .relaxed)
            if found == key || found == 0 { return entry }
            i = (i + 1) & (batchSlots - 1)
        }
        return nil
    }

    // MARK: Reading

    /// A count and a cumulative duration (Triton's `$duration_stat`).
    struct DurationStat: Sendable, Equatable {
        var count: UInt64 = 0
        var nanos: UInt64 = 0
    }

    /// The statistics of one batch size.
    struct BatchTotals: Sendable, Equatable {
        var batchSize: UInt64
        var computeInput = DurationStat()
        var computeInfer = DurationStat()
        var computeOutput = DurationStat()
    }

    /// Every stripe summed.
    struct Totals: Sendable, Equatable {
        var success = DurationStat()
        var fail = DurationStat()
        var queue = DurationStat()
        var computeInput = DurationStat()
        var computeInfer = DurationStat()
        var computeOutput = DurationStat()
        /// Rows of the successful requests (`inference_count`).
        var rows: UInt64 = 0
        /// Monotonic nanoseconds when the last request ended; 0 when none came.
        var lastEnd: UInt64 = 0
        /// By batch size, ascending.
        var batches: [BatchTotals] = []

        /// Model executions (`execution_count`): one per successful request, since requests
        /// are not batched together.
        var executions: UInt64 { success.count }
    }

    /// Sums every thread's stripe.
    func totals() -> Totals {
        var cells = [UInt64](repeating: 0, count: Self.scalarCells)
        var batches: [UInt64: BatchTotals] = [:]
        for i in 0...Self.threadSlots {
            guard let stripe = slots[i].load(ordering: .acquiring) else { continue }
            for cell in Cell.allCases where cell != .lastEnd {
                cells[cell.rawValue] &+= stripe[cell.rawValue].load(ordering: .relaxed)
            }
            cells[Cell.lastEnd.rawValue] = max(cells[Cell.lastEnd.rawValue], stripe[Cell.lastEnd.rawValue].load(ordering: .relaxed))
            let table = stripe + Self.scalarCells
            for slot in 0..<Self.batchSlots {
                let entry = table + slot * Self.batchWidth
                let key = entry.pointee.load(ordering: .acquiring)
                guard key != 0 else { continue }
                let count = entry[1].load(ordering: .relaxed)
                var batch = batches[key - 1] ?? BatchTotals(batchSize: key - 1)
                batch.computeInput.count &+= count
                batch.computeInput.nanos &+= entry[2].load(ordering: .relaxed)
                batch.computeInfer.count &+= count
                batch.computeInfer.nanos &+= entry[3].load(ordering: .relaxed)
                batch.computeOutput.count &+= count
                batch.computeOutput.nanos &+= entry[4].load(ordering: .relaxed)
                batches[key - 1] = batch
            }
        }
        func cell(_ c: Cell) -> UInt64 { cells[c.rawValue] }
        let successes = cell(.successCount)
        return Totals(
            success: DurationStat(count: successes, nanos: cell(.successNanos)),
            fail: DurationStat(count: cell(.failCount), nanos: cell(.failNanos)),
            queue: DurationStat(count: successes, nanos: cell(.queueNanos)),
            computeInput: DurationStat(count: successes, nanos: cell(.inputNanos)),
            computeInfer: DurationStat(count: successes, nanos: cell(.inferNanos)),
            computeOutput: DurationStat(count: successes, nanos: cell(.outputNanos)),
            rows: cell(.rows), lastEnd: cell(.lastEnd),
            batches: batches.values.sorted { $0.batchSize < $1.batchSize })
    }
}

/// A small integer per live thread (0, 1, 2…), handed back when the thread exits so the next
/// thread reuses it: what `InferenceStatistics` indexes its stripes with. A thread that gets
/// a reused index continues a stripe its predecessor no longer writes; the lock around the
/// free list orders the predecessor's last writes before the successor's first.
enum StatisticsThreadIndex {
    /// The calling thread's index; nil only if the system refused a thread-specific key.
    @inline(__always)
    static var current: Int? {
        guard let key = statisticsIndexKey else { return nil }
        if let raw = pthread_getspecific(key) { return Int(bitPattern: raw) - 1 }
        let index = statisticsIndices.withLock { state -> Int in
            if let reused = state.free.popLast() { return reused }
            state.next += 1
            return state.next - 1
        }
        guard pthread_setspecific(key, UnsafeRawPointer(bitPattern: index + 1)) == 0 else {
            releaseStatisticsIndex(index)
            return nil
        }
        return index
    }
}

/// The next never-used index and the indices of exited threads.
private let statisticsIndices = Mutex<(next: Int, free: [Int])>((0, []))

private func releaseStatisticsIndex(_ index: Int) {
    statisticsIndices.withLock { $0.free.append(index) }
}

/// The key holding each thread's index + 1 (never 0, so the destructor runs); its destructor
/// returns the index when the thread exits.
private let statisticsIndexKey: pthread_key_t? = {
    var key = pthread_key_t()
    let rc = pthread_key_create(&key) { raw in
        guard let raw else { return }
        releaseStatisticsIndex(Int(bitPattern: raw) - 1)
    }
    return rc == 0 ? key : nil
}()
