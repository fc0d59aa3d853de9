import ModelKitKernels

/// Single-precision matrix multiply: `C = alpha * A·B (+ C when accumulating)`, row-major.
///
/// A cache-blocked kernel in the shape of BLIS/MLAS: B is packed into panels of 8 columns
/// (one `SIMD8<Float>` per k) in blocks of `kc` rows, so the micro-kernel streams it
/// contiguously; a 6x8 micro-kernel keeps 6 accumulators in registers and broadcasts one A
/// element per row per k. On CPUs with AVX2 + FMA (`CPUFeatures.wideKernels`) the panels are
/// 16 wide and the 6x16 FMA kernels of `ModelKitKernels` run instead. Constant weights are
/// packed once at load (`PackedMatrix`).
enum Sgemm {
    /// Columns per packed panel (one SIMD8 of accumulators per row).
    static let nr = 8
    /// Panel width of the wide kernels (`AVX2Kernels.nr`, repeated here so nothing in
    /// ModelKitKernels runs unless the CPU check passed).
    static let wideNR = 16
    /// Rows per micro-kernel call.
    static let mr = 6
    /// K rows per packed block (keeps a panel in L1: 256 x 8 floats = 8 KiB).
    static let kc = 256

    /// B (K x N) packed into kc-blocks of 8-column panels, zero-padded to a multiple of 8 columns.
    struct PackedMatrix: Sendable {
        let k: Int
        let n: Int
        /// Panel width: 8 (portable kernels) or 16 (wide kernels).
        let nr: Int
        let panels: Int
        let data: [Float]
        /// For narrow B (n <= `narrow`): its columns, each contiguous, for the dot-product path.
        let columns: [Float]?

        /// Packs `b` (row-major K x N, or N x K when `transposed`).
        init(_ b: UnsafeBufferPointer<Float>, k: Int, n: Int, transposed: Bool, wide: Bool = CPUFeatures.wideKernels) {
            self.k = k
            self.n = n
            let nr = wide ? Sgemm.wideNR : Sgemm.nr
            self.nr = nr
            let panels = n <= Sgemm.narrow ? 0 : (n + nr - 1) / nr
            self.panels = panels
            let padded = panels * nr
            var data = [Float](repeating: 0, count: k * padded)
            data.withUnsafeMutableBufferPointer { out in
                var k0 = 0
                while k0 < k {
                    let kLen = min(Sgemm.kc, k - k0)
                    let blockBase = k0 * padded
                    for p in 0..<panels {
                        let panelBase = blockBase + p * kLen * nr
                        let j0 = p * nr
                        let width = min(nr, n - j0)
                        for kk in 0..<kLen {
                            let row = k0 + kk
                            for jj in 0..<width {
                                out[panelBase + kk * nr + jj] = transposed ? b[(j0 + jj) * k + row] : b[row * n + j0 + jj]
                            }
                        }
                    }
                    k0 += kLen
                }
            }
            self.data = data
            if n <= Sgemm.narrow {
                var columns = [Float](repeating: 0, count: n * k)
                for j in 0..<n {
                    for row in 0..<k { columns[j * k + row] = transposed ? b[j * k + row] : b[row * n + j] }
                }
                self.columns = columns
            } else {
                self.columns = nil
            }
        }
    }

    /// B this narrow (e.g. a regression head, N = 1) runs as dot products instead of panels.
    static let narrow = 2

    /// Dot product of two contiguous float vectors of length `n`.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= n {
            acc0 += load(a + i) * load(b + i)
            acc1 += load(a + i + 8) * load(b + i + 8)
            i += 16
        }
        if i + 8 <= n {
            acc0 += load(a + i) * load(b + i)
            i += 8
        }
        var sum = (acc0 + acc1).sum()
        while i < n {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }

    /// `C[m x n] (=|+=) alpha * A[m x k] · packedB`; A row-major with leading dimension `lda`.
    static func multiply(m: Int, a: UnsafePointer<Float>, lda: Int, b: PackedMatrix,
                         c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, accumulate: Bool) {
        let n = b.n, k = b.k
        guard m > 0, n > 0 else { return }
        if k == 0 {
            if !accumulate { for i in 0..<m { (c + i * ldc).initialize(repeating: 0, count: n) } }
            return
        }
        if let columns = b.columns {
            columns.withUnsafeBufferPointer { cols in
                guard let colBase = cols.baseAddress else { return }
                let wide = b.nr == Sgemm.wideNR
                for i in 0..<m {
                    for j in 0..<n {
                        let d = wide ? AVX2Kernels.dot(a + i * lda, colBase + j * k, k) : dot(a + i * lda, colBase + j * k, k)
                        let v = alpha * d
                        c[i * ldc + j] = accumulate ? c[i * ldc + j] + v : v
                    }
                }
            }
            return
        }
        let nr = b.nr
        let wide = nr == Sgemm.wideNR
        let padded = b.panels * nr
        b.data.withUnsafeBufferPointer { packed in
            guard let base = packed.baseAddress else { return }
            var k0 = 0
            while k0 < k {
                let kLen = min(kc, k - k0)
                let add = accumulate || k0 > 0
                var i = 0
                while i < m {
                    let rows = min(mr, m - i)
                    for p in 0..<b.panels {
                        let panel = base + k0 * padded + p * kLen * nr
                        let j0 = p * nr
                        let width = min(nr, n - j0)
                        let aTile = a + i * lda + k0
                        let cTile = c + i * ldc + j0
                        if wide {
                            if rows == mr {
                                AVX2Kernels.kernel6x16(aTile, lda, panel, kLen, cTile, ldc, width, alpha, add)
                            } else {
                                for r in 0..<rows {
                                    AVX2Kernels.kernel1x16(aTile + r * lda, panel, kLen, cTile + r * ldc, width, alpha, add)
                                }
                            }
                        } else if rows == mr {
                            kernel6(aTile, lda, panel, kLen, cTile, ldc, width, alpha, add)
                        } else {
                            for r in 0..<rows {
                                kernel1(aTile + r * lda, panel, kLen, cTile + r * ldc, width, alpha, add)
                            }
                        }
                    }
                    i += rows
                }
                k0 += kLen
            }
        }
    }

    @inline(__always)
    private static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    private static func store(_ v: SIMD8<Float>, _ c: UnsafeMutablePointer<Float>, _ width: Int, _ alpha: Float, _ add: Bool) {
        var r = alpha == 1 ? v : v * alpha
        if width == nr {
            if add { r += UnsafeRawPointer(c).loadUnaligned(as: SIMD8<Float>.self) }
            UnsafeMutableRawPointer(c).storeBytes(of: r, as: SIMD8<Float>.self)
        } else {
            for j in 0..<width { c[j] = add ? c[j] + r[j] : r[j] }
        }
    }

    /// 6 rows x 8 columns over `kLen` packed k-steps.
    @inline(__always)
    private static func kernel6(_ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ kLen: Int,
                                _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ width: Int, _ alpha: Float, _ add: Bool) {
        var c0 = SIMD8<Float>(), c1 = SIMD8<Float>(), c2 = SIMD8<Float>()
        var c3 = SIMD8<Float>(), c4 = SIMD8<Float>(), c5 = SIMD8<Float>()
        let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda
        var bp = b
        for kk in 0..<kLen {
            let bv = load(bp)
            c0 += SIMD8(repeating: a0[kk]) * bv
            c1 += SIMD8(repeating: a1[kk]) * bv
            c2 += SIMD8(repeating: a2[kk]) * bv
            c3 += SIMD8(repeating: a3[kk]) * bv
            c4 += SIMD8(repeating: a4[kk]) * bv
            c5 += SIMD8(repeating: a5[kk]) * bv
            bp += nr
        }
        store(c0, c, width, alpha, add)
        store(c1, c + ldc, width, alpha, add)
        store(c2, c + 2 * ldc, width, alpha, add)
        store(c3, c + 3 * ldc, width, alpha, add)
        store(c4, c + 4 * ldc, width, alpha, add)
        store(c5, c + 5 * ldc, width, alpha, add)
    }

    /// 1 row x 8 columns, two accumulators to hide add latency.
    @inline(__always)
    private static func kernel1(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ kLen: Int,
                                _ c: UnsafeMutablePointer<Float>, _ width: Int, _ alpha: Float, _ add: Bool) {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var kk = 0
        var bp = b
        while kk + 1 < kLen {
            acc0 += SIMD8(repeating: a[kk]) * load(bp)
            acc1 += SIMD8(repeating: a[kk + 1]) * load(bp + nr)
            bp += 2 * nr
            kk += 2
        }
        if kk < kLen { acc0 += SIMD8(repeating: a[kk]) * load(bp) }
        store(acc0 + acc1, c, width, alpha, add)
    }
}
