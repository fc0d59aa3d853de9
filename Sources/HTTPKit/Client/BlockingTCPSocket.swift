import CLinux
import Glibc

/// A blocking TCP client socket with one deadline for its whole life: for
/// `monolith healthcheck` and tests. Numeric addresses (127.0.0.1, ::1) or `localhost`.
public final class BlockingTCPSocket {
    /// The socket could not connect, send or receive (ETIMEDOUT/EAGAIN when the deadline passed).
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var operation: String
        public var errno: Int32
        public var description: String { "\(operation): \(String(cString: strerror(errno)))" }
    }

    public private(set) var fd: Int32
    private let deadline: UInt64

    /// Connects; every operation on this socket must finish within `timeout` from now.
    public init(host: String, port: Int, timeout: Duration) throws(Failure) {
        let budget = max(1_000_000, timeout.nanoseconds)
        deadline = MonotonicClock.now() &+ budget
        let fd = clinux_tcp_connect(host, Int32(clamping: port), Int32(clamping: budget / 1_000_000))
        guard fd >= 0 else { throw Failure(operation: "connect \(host):\(port)", errno: -fd) }
        self.fd = fd
    }

    deinit { close() }

    /// Applies the remaining time to the next blocking call; throws once the deadline passed.
    private func arm(_ operation: String) throws(Failure) {
        let now = MonotonicClock.now()
        guard now < deadline else { throw Failure(operation: operation, errno: ETIMEDOUT) }
        let left = deadline - now
        var tv = timeval(tv_sec: Int(left / 1_000_000_000), tv_usec: Int((left % 1_000_000_000) / 1000) + 1)
        let size = socklen_t(MemoryLayout<timeval>.size)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, size)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, size)
    }

    /// Sends every byte.
    public func send(_ bytes: [UInt8]) throws(Failure) {
        var sent = 0
        while sent < bytes.count {
            try arm("send")
            let n = bytes.withUnsafeBytes { p -> Int in
                guard let base = p.baseAddress else { return 0 }
                return Glibc.send(fd, base + sent, p.count - sent, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(operation: "send", errno: errno)
            }
            sent += n
        }
    }

    public func send(_ text: String) throws(Failure) {
        try send(Array(text.utf8))
    }

    /// Receives up to `maxBytes`; empty at end of stream. Throws on timeout or error.
    public func receive(maxBytes: Int = 65536) throws(Failure) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max(1, maxBytes))
        while true {
            try arm("recv")
            let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if n >= 0 { return Array(buffer[0..<n]) }
            if errno == EINTR { continue }
            throw Failure(operation: "recv", errno: errno)
        }
    }

    /// Receives until the peer closes (or `limit` bytes); throws on timeout.
    public func receiveUntilClose(limit: Int = 16 << 20) throws(Failure) -> [UInt8] {
        var all: [UInt8] = []
        while all.count < limit {
            let chunk = try receive()
            if chunk.isEmpty { break }
            all.append(contentsOf: chunk)
        }
        return all
    }

    /// Closes the sending side (the peer reads end of stream).
    public func shutdownWrite() {
        Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    public func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }
}
