import Glibc
import Synchronization

/// A one-shot latch for tests: handlers wait on it, the test opens it.
final class Gate: Sendable {
    private let opened = Atomic<Bool>(false)
    private let arrivals = Atomic<Int>(0)

    func open() { opened.store(true, ordering: .releasing) }

    /// Called by a handler: records its arrival, then waits until the gate opens (or 10 s).
    func wait() {
        arrivals.add(1, ordering: .relaxed)
        for _ in 0..<10_000 where !opened.load(ordering: .acquiring) { usleep(1000) }
    }

    /// Waits until `count` handlers arrived (or 10 s); true if they did.
    @discardableResult
    func waitForArrivals(_ count: Int = 1) -> Bool {
        for _ in 0..<10_000 {
            if arrivals.load(ordering: .relaxed) >= count { return true }
            usleep(1000)
        }
        return false
    }
}
