/// Float32 elementwise kernels over contiguous buffers, eight lanes at a time.
///
/// Written with `SIMD8<Float>` so they vectorize whatever the compiler's cost model decides
/// (branchy scalar loops such as `x < 0 ? 0 : x` do not).
enum VectorKernels {
    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    /// `x = max(x, 0)` (NaN stays NaN).
    static func relu(_ p: UnsafeMutableBufferPointer<Float>) {
        guard let base = p.baseAddress else { return }
        let n = p.count
        var i = 0
        let zero = SIMD8<Float>()
        while i + 8 <= n {
            let v = load(base + i)
            store(v.replacing(with: zero, where: v .< zero), base + i)
            i += 8
        }
        while i < n {
            if base[i] < 0 { base[i] = 0 }
            i += 1
        }
    }

    /// `x = x < 0 ? alpha * x : x`.
    static func leakyRelu(_ p: UnsafeMutableBufferPointer<Float>, alpha: Float) {
        guard let base = p.baseAddress else { return }
        let n = p.count
        var i = 0
        let zero = SIMD8<Float>()
        while i + 8 <= n {
            let v = load(base + i)
            store(v.replacing(with: v * alpha, where: v .< zero), base + i)
            i += 8
        }
        while i < n {
            if base[i] < 0 { base[i] *= alpha }
            i += 1
        }
    }

    /// `x[i] = op(x[i], y[i % y.count])`: same shape (period = count), scalar (1), or a
    /// trailing-dims operand such as a bias row.
    @inline(__always)
    static func periodic(_ x: UnsafeMutableBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>,
                         _ vop: (SIMD8<Float>, SIMD8<Float>) -> SIMD8<Float>, _ sop: (Float, Float) -> Float) {
        guard let px = x.baseAddress, let py = y.baseAddress, y.count > 0 else { return }
        let n = x.count, period = y.count
        if period == 1 {
            let s = py[0], v = SIMD8<Float>(repeating: s)
            var i = 0
            while i + 8 <= n { store(vop(load(px + i), v), px + i); i += 8 }
            while i < n { px[i] = sop(px[i], s); i += 1 }
            return
        }
        var base = 0
        while base + period <= n {
            let row = px + base
            var j = 0
            while j + 8 <= period { store(vop(load(row + j), load(py + j)), row + j); j += 8 }
            while j < period { row[j] = sop(row[j], py[j]); j += 1 }
            base += period
        }
    }
}
