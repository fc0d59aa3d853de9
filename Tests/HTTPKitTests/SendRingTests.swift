import Glibc
import Testing
@testable import HTTPKit

/// The io_uring batch sender on socket pairs: every send lands on its own socket, and each
/// socket's failure is reported for that socket alone. Skipped where io_uring is unavailable.
@Suite(.enabled(if: SendRing(entries: 8) != nil, "io_uring unavailable")) struct SendRingTests {
    /// A connected AF_UNIX stream pair: (our end, the peer's end).
    static func pair() throws -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        let rc = fds.withUnsafeMutableBufferPointer { socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, $0.baseAddress) }
        try #require(rc == 0)
        return (fds[0], fds[1])
    }

    static func read(_ fd: Int32, _ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while out.count < count {
            let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, min($0.count, count - out.count), 0) }
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return out
    }

    @Test func eachPayloadReachesItsOwnSocket() throws {
        let ring = try #require(SendRing(entries: 8))
        let pairs = try (0..<5).map { _ in try Self.pair() }
        defer { for (a, b) in pairs { close(a); close(b) } }
        let payloads = (0..<5).map { i in Array("answer \(i) ".utf8) + [UInt8](repeating: UInt8(65 + i), count: 100 * i) }
        for (i, (ours, _)) in pairs.enumerated() {
            #expect(payloads[i].withUnsafeBytes { ring.add(fd: ours, bytes: $0) })
        }
        ring.submit()
        for (i, (_, peer)) in pairs.enumerated() {
            #expect(ring.result(i) == Int32(payloads[i].count))
            #expect(Self.read(peer, payloads[i].count) == payloads[i])
        }
        #expect(ring.isUsable)
    }

    @Test func aFailedSocketDoesNotSpoilTheOthers() throws {
        let ring = try #require(SendRing(entries: 8))
        let (good, goodPeer) = try Self.pair()
        let (closed, closedPeer) = try Self.pair()
        let (full, fullPeer) = try Self.pair()
        defer { for fd in [good, goodPeer, closed, full, fullPeer] { close(fd) } }
        close(closedPeer)
        // Fill `full` until the kernel refuses more without blocking.
        let chunk = [UInt8](repeating: 1, count: 65536)
        while chunk.withUnsafeBytes({ Glibc.send(full, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }) > 0 {}
        let notASocket = open("/dev/null", O_WRONLY | O_CLOEXEC)
        defer { close(notASocket) }
        let message = Array("hello".utf8)
        for fd in [closed, full, notASocket, good] {
            #expect(message.withUnsafeBytes { ring.add(fd: fd, bytes: $0) })
        }
        ring.submit()
        #expect(ring.result(0) == -EPIPE)  // MSG_NOSIGNAL: an error, not a SIGPIPE
        #expect(ring.result(1) == -EAGAIN)  // MSG_DONTWAIT: never waits for room
        #expect(ring.result(2) == -ENOTSOCK)
        #expect(ring.result(3) == 5)
        #expect(Self.read(goodPeer, 5) == message)
        #expect(ring.isUsable)

        // The next batch starts empty and works.
        ring.reset()
        #expect(ring.count == 0)
        #expect(message.withUnsafeBytes { ring.add(fd: good, bytes: $0) })
        ring.submit()
        #expect(ring.result(0) == 5)
        #expect(Self.read(goodPeer, 5) == message)
    }

    @Test func aBatchTakesNoMoreThanItsSlotsAndStagingBuffer() throws {
        let ring = try #require(SendRing(entries: 4))
        let (ours, peer) = try Self.pair()
        defer { close(ours); close(peer) }
        let small = [UInt8](repeating: 7, count: 10)
        var added = 0
        while small.withUnsafeBytes({ ring.add(fd: ours, bytes: $0) }) { added += 1 }
        #expect(added == ring.capacity)
        ring.reset()
        let large = [UInt8](repeating: 9, count: SendRing.stagingSize + 1)
        #expect(!large.withUnsafeBytes { ring.add(fd: ours, bytes: $0) })
        #expect(ring.count == 0)
        let empty: [UInt8] = []
        #expect(!empty.withUnsafeBytes { ring.add(fd: ours, bytes: $0) })
    }
}
