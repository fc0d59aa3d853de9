#if canImport(Glibc)
import Glibc
#endif

/// Floating-point element types the math kernels are generic over (Float, Double), with the
/// libm functions they need.
protocol MathFloat: BinaryFloatingPoint, Sendable {
    static func mExp(_ x: Self) -> Self
    static func mLog(_ x: Self) -> Self
    static func mSqrt(_ x: Self) -> Self
    static func mTanh(_ x: Self) -> Self
    static func mErf(_ x: Self) -> Self
    static func mPow(_ x: Self, _ y: Self) -> Self
    init(_ value: Float)
    var asDouble: Double { get }
}

extension Float: MathFloat {
    @inline(__always) static func mExp(_ x: Float) -> Float { expf(x) }
    @inline(__always) static func mLog(_ x: Float) -> Float { logf(x) }
    @inline(__always) static func mSqrt(_ x: Float) -> Float { x.squareRoot() }
    @inline(__always) static func mTanh(_ x: Float) -> Float { tanhf(x) }
    @inline(__always) static func mErf(_ x: Float) -> Float { erff(x) }
    @inline(__always) static func mPow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
    var asDouble: Double { Double(self) }
}

extension Double: MathFloat {
    @inline(__always) static func mExp(_ x: Double) -> Double { exp(x) }
    @inline(__always) static func mLog(_ x: Double) -> Double { log(x) }
    @inline(__always) static func mSqrt(_ x: Double) -> Double { x.squareRoot() }
    @inline(__always) static func mTanh(_ x: Double) -> Double { tanh(x) }
    @inline(__always) static func mErf(_ x: Double) -> Double { erf(x) }
    @inline(__always) static func mPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
    var asDouble: Double { self }
}

/// Half-precision conversions: float16 tensors are computed in Float and rounded back.
enum Half {
    /// Decodes binary16 bit patterns.
    static func toFloat(_ bits: [UInt16]) -> [Float] {
        bits.map { Float(Float16(bitPattern: $0)) }
    }

    /// Encodes to binary16 with round-to-nearest-even.
    static func fromFloat(_ values: [Float]) -> [UInt16] {
        values.map { Float16($0).bitPattern }
    }
}

/// Conversions between element types that never trap (Swift's `Int(x)` traps on NaN/overflow).
enum Convert {
    /// Truncates toward zero like C's cast on x86: NaN and out-of-range values give `Int64.min`
    /// (the "integer indefinite" value), as numpy and onnxruntime do on this platform.
    @inline(__always)
    static func int64(_ x: Double) -> Int64 {
        guard x.isFinite, x > -9.223372036854775808e18, x < 9.223372036854775808e18 else { return Int64.min }
        return Int64(x)
    }

    /// To uint64: in-range values truncate; others go through `int64` and wrap.
    @inline(__always)
    static func uint64(_ x: Double) -> UInt64 {
        if x.isFinite, x >= 0, x < 1.8446744073709551616e19 { return UInt64(x) }
        return UInt64(bitPattern: int64(x))
    }

    /// To int32: NaN and out-of-range give `Int32.min` (cvttss2si's indefinite value).
    @inline(__always)
    static func int32(_ x: Double) -> Int32 {
        guard x.isFinite, x > -2147483649.0, x < 2147483648.0 else { return Int32.min }
        return Int32(x)
    }

    /// To a narrower integer: through int32 then truncating, as C compilers do.
    @inline(__always)
    static func narrow<T: FixedWidthInteger>(_ x: Double, as: T.Type) -> T {
        T(truncatingIfNeeded: int32(x))
    }
}
