import Synchronization
import Testing
@testable import Monolith

/// The per-thread striped counters behind the statistics extension.
@Suite("Inference statistics")
struct InferenceStatisticsTests {
    @Test func countsFromManyThreadsAddUpExactly() {
        let stats = InferenceStatistics()
        let threads = (0..<8).map { _ in
            Thread.detach {
                for i in 0..<10_000 {
                    stats.recordSuccess(received: 1, start: 2, inferStart: 4, inferEnd: 7, end: 11, rows: 1 + i % 3)
                }
                stats.recordFailure(received: 1, end: 5)
            }
        }
        threads.forEach { $0.join() }
        let totals = stats.totals()
        #expect(totals.success == .init(count: 80_000, nanos: 800_000))
        #expect(totals.queue == .init(count: 80_000, nanos: 80_000))
        #expect(totals.computeInput == .init(count: 80_000, nanos: 160_000))
        #expect(totals.computeInfer == .init(count: 80_000, nanos: 240_000))
        #expect(totals.computeOutput == .init(count: 80_000, nanos: 320_000))
        #expect(totals.fail == .init(count: 8, nanos: 32))
        let rows: UInt64 = 8 * (3334 * 1 + 3333 * 2 + 3333 * 3)
        #expect(totals.rows == rows)
        #expect(totals.executions == 80_000)
        #expect(totals.lastEnd == 11)
        #expect(totals.batches.map(\.batchSize) == [1, 2, 3])
        let counts: [UInt64] = [8 * 3334, 8 * 3333, 8 * 3333]
        #expect(totals.batches.map(\.computeInfer.count) == counts)
        #expect(totals.batches.map(\.computeInfer.nanos) == counts.map { $0 * 3 }, "3 ns each")
    }

    @Test func batchSizesPastTheTableStillCountInTheTotals() {
        let stats = InferenceStatistics()
        let sizes = InferenceStatistics.batchSlots + 8
        for rows in 1...sizes { stats.recordSuccess(received: 0, start: 0, inferStart: 0, inferEnd: 1, end: 1, rows: rows) }
        let totals = stats.totals()
        #expect(totals.batches.count == InferenceStatistics.batchSlots)
        #expect(totals.success.count == UInt64(sizes))
        #expect(totals.rows == UInt64(sizes * (sizes + 1) / 2))
    }

    @Test func threadIndicesOfExitedThreadsAreReused() {
        let seen = Mutex<Set<Int>>([])
        for _ in 0..<50 {
            Thread.detach { if let index = StatisticsThreadIndex.current { seen.withLock { _ = $0.insert(index) } } }.join()
        }
        let distinct = seen.withLock { $0.count }
        #expect(distinct > 0 && distinct < 25, "\(distinct) indices for 50 threads that ran one after another")
    }
}
