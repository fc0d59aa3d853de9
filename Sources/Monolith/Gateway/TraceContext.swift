import HTTPKit

/// W3C Trace Context (https://www.w3.org/TR/trace-context/) for one request: the trace it
/// belongs to, the caller's span and the span this hop answers with.
///
/// `traceparent: 00-<trace-id>-<parent-id>-<trace-flags>` — 2, 32, 16 and 2 lowercase hex
/// digits (§3.2.2). A valid header continues the caller's trace; a missing or invalid one
/// starts a new trace here. The response carries `traceparent` with the same trace id and
/// this hop's span id, and logs carry the trace id.
struct TraceContext: Sendable, Equatable {
    /// The 128-bit trace id (never zero).
    var traceHigh: UInt64
    var traceLow: UInt64
    /// The caller's span id, when the request continued a trace.
    var parent: UInt64?
    /// This hop's span id (never zero).
    var span: UInt64
    /// Trace flags passed on: only `sampled` (0x01) is defined by Level 1; other bits are
    /// cleared, as §3.2.2.5 asks of a version-00 participant.
    var flags: UInt8

    /// Continues the trace in `header` with a new span, or starts a new trace when the
    /// header is absent or invalid. `random` supplies ids.
    static func make(header: ArraySlice<UInt8>?, random: inout FastRandom) -> TraceContext {
        let span = random.nonZero()
        if let header, let parsed = parse(header) {
            return TraceContext(traceHigh: parsed.high, traceLow: parsed.low, parent: parsed.parent, span: span, flags: parsed.flags & 0x01)
        }
        var high = random.next()
        let low = random.nonZero()
        if high == 0 { high = 1 }
        return TraceContext(traceHigh: high, traceLow: low, parent: nil, span: span, flags: 0)
    }

    /// The fields of a valid `traceparent` value, else nil (W3C Trace Context §3.2.2–3.2.4):
    /// lowercase hex only; version `ff` is invalid; a version-00 value is exactly 55
    /// characters; a higher version may continue after a `-` at offset 55; trace id and
    /// parent id must not be all zeros.
    static func parse(_ v: ArraySlice<UInt8>) -> (high: UInt64, low: UInt64, parent: UInt64, flags: UInt8)? {
        guard v.count >= 55 else { return nil }
        let b = v.startIndex
        guard let version = hex(v, b, 2), version != 0xFF else { return nil }
        if version == 0 {
            guard v.count == 55 else { return nil }
        } else if v.count > 55 {
            guard v[b + 55] == 0x2D else { return nil }
        }
        guard v[b + 2] == 0x2D, v[b + 35] == 0x2D, v[b + 52] == 0x2D else { return nil }
        guard let high = hex(v, b + 3, 16), let low = hex(v, b + 19, 16), high | low != 0 else { return nil }
        guard let parent = hex(v, b + 36, 16), parent != 0 else { return nil }
        guard let flags = hex(v, b + 53, 2) else { return nil }
        return (high, low, parent, UInt8(flags))
    }

    /// `count` (≤ 16) lowercase hex digits at `start` as a number; nil on any other byte.
    @inline(__always)
    static func hex(_ v: ArraySlice<UInt8>, _ start: Int, _ count: Int) -> UInt64? {
        var value: UInt64 = 0
        for i in start..<(start + count) {
            let c = v[i]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x61...0x66: d = c - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt64(d)
        }
        return value
    }

    /// The trace id.
    var traceID: TraceID { TraceID(high: traceHigh, low: traceLow) }

    /// The `traceparent` this hop answers with: same trace, this hop's span.
    var traceparent: String {
        String(unsafeUninitializedCapacity: 55) { out in
            writeTraceparent(into: out)
            return 55
        }
    }

    /// Writes the 55 bytes of `traceparent` into `out` (which holds at least 55).
    func writeTraceparent(into out: UnsafeMutableBufferPointer<UInt8>) {
        out[0] = 0x30; out[1] = 0x30; out[2] = 0x2D
        traceID.write(into: UnsafeMutableBufferPointer(rebasing: out[3..<35]))
        out[35] = 0x2D
        TraceID.writeHex(span, into: out, at: 36)
        out[52] = 0x2D
        out[53] = TraceID.hexDigit(UInt64(flags >> 4))
        out[54] = TraceID.hexDigit(UInt64(flags & 0x0F))
    }
}

/// A fast per-thread generator for span and trace ids (xoshiro256**, seeded from the
/// system's random source). Not for secrets: ids only need to be unique and unguessable
/// enough not to collide.
struct FastRandom: Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    init() {
        var system = SystemRandomNumberGenerator()
        s0 = system.next() | 1
        s1 = system.next()
        s2 = system.next()
        s3 = system.next()
    }

    mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    /// A non-zero value (W3C ids must not be all zeros).
    mutating func nonZero() -> UInt64 {
        var v = next()
        while v == 0 { v = next() }
        return v
    }

    @inline(__always)
    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
