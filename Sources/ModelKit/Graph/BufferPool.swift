import Synchronization

/// Float32 buffers kept between runs of one session, so large intermediates do not go back
/// to the kernel and fault in again on the next call (glibc returns big blocks with
/// `munmap`/`trim`; at batch 1000 the page faults cost more than the arithmetic).
///
/// Runs borrow and return buffers under a lock (two short critical sections per buffer).
/// A returned array may still be shared (e.g. an `Identity` passed it on to an output):
/// that is safe because arrays are copy-on-write — a writer copies it first.
final class BufferPool: Sendable {
    /// Buffers smaller than this are left to malloc (small blocks stay in its free lists).
    static let minimumCount = 4096
    private let maxBuffers: Int
    /// The most floats the pool keeps in all (default 8 Mi floats = 32 MiB per session).
    private let maxElements: Int
    private let buffers = Mutex<[[Float]]>([])

    init(maxBuffers: Int = 16, maxElements: Int = 8 << 20) {
        self.maxBuffers = maxBuffers
        self.maxElements = maxElements
    }

    /// An array of exactly `count` floats (contents unspecified) that the caller overwrites.
    func floats(count: Int) -> [Float] {
        if count >= BufferPool.minimumCount {
            // Swapped out of the list (not copied) so the array stays uniquely referenced.
            var array: [Float] = []
            let found = buffers.withLock { list -> Bool in
                guard let i = list.firstIndex(where: { $0.capacity >= count && $0.capacity <= 2 * count }) else { return false }
                swap(&array, &list[i])
                list.remove(at: i)
                return true
            }
            if found {
                if array.count > count {
                    array.removeLast(array.count - count)
                } else if array.count < count {
                    array.append(contentsOf: repeatElement(0, count: count - array.count))
                }
                return array
            }
        }
        return [Float](repeating: 0, count: count)
    }

    /// Keeps `array` for a later `floats(count:)` if it is large and the pool has room.
    func recycle(_ array: [Float]) {
        let capacity = array.capacity
        guard capacity >= BufferPool.minimumCount, capacity <= maxElements else { return }
        buffers.withLock { list in
            var total = list.reduce(0) { $0 + $1.capacity }
            // Full: evict smaller buffers while that makes room (the larger ones are worth more).
            while list.count >= maxBuffers || total + capacity > maxElements {
                guard let smallest = list.indices.min(by: { list[$0].capacity < list[$1].capacity }),
                      list[smallest].capacity < capacity else { return }
                total -= list[smallest].capacity
                list.remove(at: smallest)
            }
            list.append(array)
        }
    }

    /// Recycles the float buffer of a value that is no longer needed.
    func recycle(_ value: Value?) {
        guard case .tensor(var tensor)? = consume value, let floats = tensor.takeFloats() else { return }
        recycle(floats)
    }
}
