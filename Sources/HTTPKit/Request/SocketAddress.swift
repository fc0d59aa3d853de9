/// A peer's IPv4 or IPv6 address and port, formatted only when asked.
public struct SocketAddress: Sendable, Hashable, CustomStringConvertible {
    enum Storage: Hashable, Sendable {
        case v4(UInt32)
        case v6(UInt64, UInt64)
    }

    let storage: Storage
    /// The TCP port.
    public let port: Int

    /// An IPv4 address from its four octets.
    public init(ipv4 a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, port: Int) {
        storage = .v4(UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d))
        self.port = port
    }

    init(storage: Storage, port: Int) {
        self.storage = storage
        self.port = port
    }

    /// The IPv4 address as a host-order integer (`127.0.0.1` → `0x7F00_0001`), nil for IPv6.
    public var ipv4: UInt32? {
        if case .v4(let a) = storage { return a }
        return nil
    }

    /// The IPv6 address as two host-order 64-bit halves, nil for IPv4.
    public var ipv6: (high: UInt64, low: UInt64)? {
        if case .v6(let hi, let lo) = storage { return (hi, lo) }
        return nil
    }

    /// The address without the port: `127.0.0.1` or `::1`.
    public var host: String {
        switch storage {
        case .v4(let a):
            return "\(a >> 24).\(a >> 16 & 0xFF).\(a >> 8 & 0xFF).\(a & 0xFF)"
        case .v6(let hi, let lo):
            let groups = (0..<8).map { i -> UInt16 in
                let word = i < 4 ? hi : lo
                return UInt16(truncatingIfNeeded: word >> (UInt64(3 - i % 4) * 16))
            }
            return groups.map { String($0, radix: 16) }.joined(separator: ":")
        }
    }

    public var description: String {
        switch storage {
        case .v4: "\(host):\(port)"
        case .v6: "[\(host)]:\(port)"
        }
    }
}
