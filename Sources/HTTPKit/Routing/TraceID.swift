/// A 128-bit W3C trace id (https://www.w3.org/TR/trace-context/ §3.2.2.3), kept as two
/// numbers: the text form (32 lowercase hex digits) is made only when something logs it.
public struct TraceID: Sendable, Hashable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// 32 lowercase hex digits.
    public var description: String {
        String(unsafeUninitializedCapacity: 32) { out in
            write(into: out)
            return 32
        }
    }

    /// Writes the 32 hex digits into `out` (which holds at least 32).
    public func write(into out: UnsafeMutableBufferPointer<UInt8>) {
        Self.writeHex(high, into: out, at: 0)
        Self.writeHex(low, into: out, at: 16)
    }

    /// Writes `value` as 16 lowercase hex digits at `offset` (W3C ids are lowercase hex).
    public static func writeHex(_ value: UInt64, into out: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        for i in 0..<16 { out[offset + i] = hexDigit(value >> UInt64(60 - 4 * i)) }
    }

    /// The lowercase hex digit of the low four bits of `d`.
    @inline(__always)
    public static func hexDigit(_ d: UInt64) -> UInt8 {
        let v = UInt8(truncatingIfNeeded: d & 0xF)
        return v < 10 ? 0x30 &+ v : 0x57 &+ v
    }
}
