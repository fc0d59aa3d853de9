import CLinux
import Glibc

/// Sends the answers of one epoll batch to many sockets in one system call (io_uring).
///
/// One `send` per answer wakes the client once per answer and lets it preempt the loop at
/// each return to user space; one submission for the whole batch wakes it once. The bytes
/// are copied into a staging buffer first (answers are small; larger ones take the plain
/// path), and every send is non-blocking, so nothing is in flight once `submit` returns.
/// Loop-confined; `nil` from `init` where io_uring is unavailable (the loop then sends each
/// answer itself).
final class SendRing {
    static let stagingSize = 256 * 1024

    private var ring: OpaquePointer?
    let capacity: Int
    private let staging: UnsafeMutableRawPointer
    private let fds: UnsafeMutablePointer<Int32>
    private let buffers: UnsafeMutablePointer<UnsafeRawPointer?>
    private let lengths: UnsafeMutablePointer<UInt32>
    private let results: UnsafeMutablePointer<Int32>
    private var used = 0
    /// Sends added since the last submit.
    private(set) var count = 0

    init?(entries: Int) {
        guard let ring = clinux_send_ring_create(UInt32(entries)) else { return nil }
        self.ring = ring
        capacity = Int(clinux_send_ring_capacity(ring))
        staging = .allocate(byteCount: Self.stagingSize, alignment: 64)
        fds = .allocate(capacity: capacity)
        buffers = .allocate(capacity: capacity)
        lengths = .allocate(capacity: capacity)
        results = .allocate(capacity: capacity)
    }

    deinit {
        if let ring { clinux_send_ring_destroy(ring) }
        staging.deallocate()
        fds.deallocate()
        buffers.deallocate()
        lengths.deallocate()
        results.deallocate()
    }

    /// Whether the ring still works (it is dropped after a failed submission).
    var isUsable: Bool { ring != nil }

    /// Queues `bytes` for `fd`; false when they are empty or the batch or the staging buffer is full.
    func add(fd: Int32, bytes: UnsafeRawBufferPointer) -> Bool {
        guard count < capacity, !bytes.isEmpty, let base = bytes.baseAddress, used + bytes.count <= Self.stagingSize else { return false }
        let slot = staging + used
        slot.copyMemory(from: base, byteCount: bytes.count)
        fds[count] = fd
        buffers[count] = UnsafeRawPointer(slot)
        lengths[count] = UInt32(bytes.count)
        used += bytes.count
        count += 1
        return true
    }

    /// Sends everything queued. Afterwards `result(i)` is send i's byte count or -errno
    /// (-ECANCELED when the ring failed before that send's outcome was known).
    func submit() {
        guard count > 0 else { return }
        guard let ring else {
            for i in 0..<count { results[i] = -ECANCELED }
            return
        }
        if clinux_send_ring_send(ring, fds, buffers, lengths, results, UInt32(count)) < 0 {
            clinux_send_ring_destroy(ring)
            self.ring = nil
        }
    }

    func result(_ i: Int) -> Int32 { results[i] }

    /// Empties the batch for the next one.
    func reset() {
        count = 0
        used = 0
    }
}
