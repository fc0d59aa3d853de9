/// Float32 matrix-multiply micro-kernels compiled for AVX2 + FMA (x86-64-v3).
///
/// This module is built with `-mavx2 -mfma` (see Package.swift) so `SIMD8<Float>` maps to
/// one ymm register and `addingProduct` to `vfmadd231ps`. Nothing here may run on a CPU
/// without those extensions: ModelKit calls these functions only after `CPUFeatures` has
/// confirmed them, and falls back to its SSE2 kernels otherwise. To keep compiled-for-AVX2
/// code from leaking into other modules through shared generic specializations, the
/// kernels use only raw pointers and SIMD values, and are `@inline(never)` entry points.
package enum AVX2Kernels {
    /// Columns per packed B panel: two ymm registers.
    package static let nr = 16

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    /// Writes one row of a 16-wide tile: `c (=|+=) alpha * (lo, hi)`, only `width` columns.
    @inline(__always)
    static func storeRow(_ lo: SIMD8<Float>, _ hi: SIMD8<Float>, _ c: UnsafeMutablePointer<Float>,
                         _ width: Int, _ alpha: Float, _ add: Bool) {
        var l = lo, h = hi
        if alpha != 1 {
            l *= alpha
            h *= alpha
        }
        if width == 16 {
            if add {
                l += load(c)
                h += load(c + 8)
            }
            store(l, c)
            store(h, c + 8)
            return
        }
        for j in 0..<min(width, 8) { c[j] = add ? c[j] + l[j] : l[j] }
        if width > 8 {
            for j in 8..<width { c[j] = add ? c[j] + h[j - 8] : h[j - 8] }
        }
    }

    /// C[6 x width] (=|+=) alpha * A[6 x kLen] · panel[kLen x 16]; A rows `lda` apart.
    @inline(never)
    package static func kernel6x16(_ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ kLen: Int,
                                   _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ width: Int,
                                   _ alpha: Float, _ add: Bool) {
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        var c40 = SIMD8<Float>(), c41 = SIMD8<Float>(), c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
        let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda
        var bp = b
        for k in 0..<kLen {
            let b0 = load(bp), b1 = load(bp + 8)
            var x = SIMD8<Float>(repeating: a0[k])
            c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
            x = SIMD8<Float>(repeating: a1[k])
            c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
            x = SIMD8<Float>(repeating: a2[k])
            c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
            x = SIMD8<Float>(repeating: a3[k])
            c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
            x = SIMD8<Float>(repeating: a4[k])
            c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
            x = SIMD8<Float>(repeating: a5[k])
            c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
            bp += 16
        }
        storeRow(c00, c01, c, width, alpha, add)
        storeRow(c10, c11, c + ldc, width, alpha, add)
        storeRow(c20, c21, c + 2 * ldc, width, alpha, add)
        storeRow(c30, c31, c + 3 * ldc, width, alpha, add)
        storeRow(c40, c41, c + 4 * ldc, width, alpha, add)
        storeRow(c50, c51, c + 5 * ldc, width, alpha, add)
    }

    /// C[1 x width] (=|+=) alpha * A[1 x kLen] · panel[kLen x 16].
    @inline(never)
    package static func kernel1x16(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ kLen: Int,
                                   _ c: UnsafeMutablePointer<Float>, _ width: Int, _ alpha: Float, _ add: Bool) {
        var c0 = SIMD8<Float>(), c1 = SIMD8<Float>(), d0 = SIMD8<Float>(), d1 = SIMD8<Float>()
        var bp = b
        var k = 0
        while k + 1 < kLen {
            let x = SIMD8<Float>(repeating: a[k]), y = SIMD8<Float>(repeating: a[k + 1])
            c0 = c0.addingProduct(x, load(bp)); c1 = c1.addingProduct(x, load(bp + 8))
            d0 = d0.addingProduct(y, load(bp + 16)); d1 = d1.addingProduct(y, load(bp + 24))
            bp += 32
            k += 2
        }
        if k < kLen {
            let x = SIMD8<Float>(repeating: a[k])
            c0 = c0.addingProduct(x, load(bp)); c1 = c1.addingProduct(x, load(bp + 8))
        }
        storeRow(c0 + d0, c1 + d1, c, width, alpha, add)
    }

    /// The dot product of two contiguous vectors of `n` floats.
    @inline(never)
    package static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= n {
            s0 = s0.addingProduct(load(a + i), load(b + i))
            s1 = s1.addingProduct(load(a + i + 8), load(b + i + 8))
            i += 16
        }
        if i + 8 <= n {
            s0 = s0.addingProduct(load(a + i), load(b + i))
            i += 8
        }
        let v = s0 + s1
        var sum = ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]))
        while i < n {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }
}
