#if canImport(Glibc)
import Glibc
#endif

/// Fast, correctly rounded decimal-to-binary conversion for the numeric hot path.
///
/// Reads one JSON number (RFC 8259 §6 grammar) from bytes and returns the `Double` that
/// `strtod` would: exact cases go through Clinger's fast path (a mantissa below 2^53 times a
/// power of ten up to 10^22 is rounded once), everything else through `strtod` on a stack
/// copy. `float(...)` returns what `Float(double)` would give — the decimal rounded to
/// `Double` then to `Float`, as the generic JSON path and numpy do — using a one-rounding
/// estimate when it provably lands on the same `Float`.
enum DecimalNumber {
    /// The parsed pieces of one number.
    struct Scan {
        /// End of the number in the buffer.
        var end: Int
        var negative: Bool
        /// Up to 19 significant digits.
        var mantissa: UInt64
        /// Decimal exponent applied to `mantissa`.
        var exponent: Int
        /// Whether digits beyond the 19 kept were dropped (the value is then inexact).
        var truncated: Bool
        /// Written without fraction or exponent (`-0` is then the integer 0, as JSON parsers read it).
        var isInteger: Bool
    }

    /// Scans a number starting at `start`; nil if the bytes there are not a JSON number.
    @inline(__always)
    static func scan(_ p: UnsafeBufferPointer<UInt8>, _ start: Int) -> Scan? {
        var i = start
        let n = p.count
        var negative = false
        if i < n && p[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        guard i < n, isDigit(p[i]) else { return nil }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var truncated = false
        var isInteger = true
        if p[i] == UInt8(ascii: "0") {
            i += 1
            if i < n && isDigit(p[i]) { return nil }  // leading zero
        } else {
            while i < n && isDigit(p[i]) {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(p[i] &- UInt8(ascii: "0"))
                    digits += 1
                } else {
                    exponent += 1
                    if p[i] != UInt8(ascii: "0") { truncated = true }
                }
                i += 1
            }
        }
        if i < n && p[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            guard i < n, isDigit(p[i]) else { return nil }
            while i < n && isDigit(p[i]) {
                if mantissa == 0 && p[i] == UInt8(ascii: "0") {
                    exponent -= 1  // leading zeros of the fraction are not significant
                } else if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(p[i] &- UInt8(ascii: "0"))
                    digits += 1
                    exponent -= 1
                } else if p[i] != UInt8(ascii: "0") {
                    truncated = true
                }
                i += 1
            }
        }
        if i < n && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
            isInteger = false
            i += 1
            var expNegative = false
            if i < n && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) {
                expNegative = p[i] == UInt8(ascii: "-")
                i += 1
            }
            guard i < n, isDigit(p[i]) else { return nil }
            var e = 0
            while i < n && isDigit(p[i]) {
                if e < 100_000 { e = e * 10 + Int(p[i] &- UInt8(ascii: "0")) }
                i += 1
            }
            exponent += expNegative ? -e : e
        }
        return Scan(end: i, negative: negative && !(isInteger && mantissa == 0), mantissa: mantissa, exponent: exponent,
                    truncated: truncated, isInteger: isInteger)
    }

    /// The correctly rounded `Double` of the number scanned from `p[start..<scan.end]`.
    @inline(__always)
    static func double(_ scan: Scan, _ p: UnsafeBufferPointer<UInt8>, _ start: Int) -> Double {
        if !scan.truncated, scan.mantissa <= 1 << 53, (-22...22).contains(scan.exponent) {
            var value = Double(scan.mantissa)
            if scan.exponent < 0 { value /= powers[-scan.exponent] } else { value *= powers[scan.exponent] }
            return scan.negative ? -value : value
        }
        if scan.mantissa == 0 { return scan.negative ? -0.0 : 0.0 }
        return strtodSlice(p, start, scan.end)
    }

    /// `Float(double(...))`, without `strtod` when a single-rounding estimate is provably enough.
    @inline(__always)
    static func float(_ scan: Scan, _ p: UnsafeBufferPointer<UInt8>, _ start: Int) -> Float {
        if !scan.truncated, scan.mantissa > 1 << 53, (-22...22).contains(scan.exponent) {
            // Double(mantissa) and the scaling each round once: the estimate is within 1.5
            // ulp of the exact value, so unless a Float rounding boundary lies within 4 ulp
            // of it, the correctly rounded Double rounds to the same Float.
            var estimate = Double(scan.mantissa)
            if scan.exponent < 0 { estimate /= powers[-scan.exponent] } else { estimate *= powers[scan.exponent] }
            let f = Float(estimate)
            let here = Double(f)
            let below = (here + Double(f.nextDown)) / 2
            let above = (here + Double(f.nextUp)) / 2
            let tolerance = 4 * estimate.ulp
            if f.isFinite, abs(estimate - below) > tolerance, abs(estimate - above) > tolerance {
                return scan.negative ? -f : f
            }
        }
        return Float(double(scan, p, start))
    }

    /// `strtod` on a NUL-terminated stack copy of `p[start..<end]` (numbers are short).
    static func strtodSlice(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double {
        let length = end - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer -> Double in
            for k in 0..<length { buffer[k] = CChar(bitPattern: p[start + k]) }
            buffer[length] = 0
            guard let base = buffer.baseAddress else { return .nan }
            return strtod(base, nil)
        }
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    static let powers: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]
}
