import Glibc
import Synchronization

/// Messages for one event loop from other threads, with an eventfd to wake its epoll_wait.
final class LoopInbox: LoopMessenger {
    private let messages = Mutex<[LoopMessage]>([])
    let wakeFD: Int32

    init(wakeFD: Int32) {
        self.wakeFD = wakeFD
    }

    func post(_ message: LoopMessage) {
        let wasEmpty = messages.withLock { queue in
            queue.append(message)
            return queue.count == 1
        }
        // One wake per batch: the loop takes the whole queue when it wakes.
        if wasEmpty { wake() }
    }

    /// Takes every queued message.
    func drain() -> [LoopMessage] {
        messages.withLock { queue in
            let taken = queue
            queue.removeAll(keepingCapacity: true)
            return taken
        }
    }

    func wake() {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { Glibc.write(wakeFD, $0.baseAddress, 8) }
    }

    /// Resets the eventfd counter after a wake.
    func clearWake() {
        var value: UInt64 = 0
        _ = withUnsafeMutableBytes(of: &value) { Glibc.read(wakeFD, $0.baseAddress, 8) }
    }
}

/// Open connections across all loops, for `maxConnections`.
final class ConnectionCounter: Sendable {
    private let value = Atomic<Int>(0)

    /// Counts a new connection; false (and not counted) when `limit` is reached.
    func tryIncrement(limit: Int) -> Bool {
        var current = value.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = value.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func decrement() {
        value.subtract(1, ordering: .relaxed)
    }

    var count: Int { value.load(ordering: .relaxed) }
}
