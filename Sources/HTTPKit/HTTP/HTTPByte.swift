/// Byte classes of the HTTP grammar (RFC 9110 §5.6.2, RFC 9112 §2) as branch-free lookups.
@usableFromInline
enum HTTPByte {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let sp: UInt8 = 0x20
    static let htab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let slash: UInt8 = 0x2F
    static let question: UInt8 = 0x3F
    static let percent: UInt8 = 0x25
    static let semicolon: UInt8 = 0x3B
    static let comma: UInt8 = 0x2C
    static let equals: UInt8 = 0x3D
    static let quote: UInt8 = 0x22
    static let backslash: UInt8 = 0x5C

    /// `tchar` of RFC 9110 §5.6.2 as two 64-bit masks (bytes 0–63 and 64–127).
    @usableFromInline static let tcharLow: UInt64 = 0x03ff_6cfa_0000_0000
    @usableFromInline static let tcharHigh: UInt64 = 0x57ff_ffff_c7ff_fffe

    /// True when `b` is a `tchar` (a byte allowed in a token: method, field name).
    @inlinable @inline(__always)
    static func isTokenChar(_ b: UInt8) -> Bool {
        if b < 64 { return (tcharLow >> UInt64(b)) & 1 == 1 }
        if b < 128 { return (tcharHigh >> UInt64(b &- 64)) & 1 == 1 }
        return false
    }

    /// True for bytes allowed in a field value: VCHAR, obs-text, SP and HTAB (RFC 9110 §5.5).
    @inlinable @inline(__always)
    static func isFieldValueChar(_ b: UInt8) -> Bool {
        b >= 0x20 ? b != 0x7F : b == 0x09
    }

    /// True for bytes allowed in a request-target: visible ASCII (RFC 9112 §3.2, RFC 3986).
    @inlinable @inline(__always)
    static func isTargetChar(_ b: UInt8) -> Bool { b > 0x20 && b < 0x7F }

    /// The value of a hexadecimal digit, or nil.
    @inlinable @inline(__always)
    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b &- 0x30
        case 0x41...0x46: b &- 0x37
        case 0x61...0x66: b &- 0x57
        default: nil
        }
    }

    /// ASCII lower-casing of one byte.
    @inlinable @inline(__always)
    static func lower(_ b: UInt8) -> UInt8 { (b &- 0x41) < 26 ? b | 0x20 : b }
}
