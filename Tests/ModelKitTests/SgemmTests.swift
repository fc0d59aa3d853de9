import Testing
@testable import ModelKit

/// The blocked matmul kernels (portable 6x8 and, when the CPU has them, AVX2/FMA 6x16)
/// against a double-precision reference, over shapes that hit every edge: partial row
/// tiles, partial panels, narrow (dot-product) B, K across several 256-row blocks.
@Suite struct SgemmTests {
    struct Case: CustomStringConvertible, Sendable {
        let m: Int, k: Int, n: Int, transposed: Bool
        var description: String { "\(m)x\(k)x\(n)\(transposed ? "T" : "")" }
    }

    static let cases: [Case] = [
        Case(m: 1, k: 8, n: 64, transposed: false), Case(m: 7, k: 3, n: 17, transposed: false),
        Case(m: 13, k: 300, n: 33, transposed: true), Case(m: 6, k: 600, n: 16, transposed: false),
        Case(m: 1000, k: 64, n: 1, transposed: false), Case(m: 5, k: 9, n: 2, transposed: true),
        Case(m: 12, k: 1, n: 9, transposed: false), Case(m: 3, k: 0, n: 5, transposed: false),
    ]

    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int(state >> 41) % 2000 - 1000) / 500
        }
    }

    @Test(arguments: cases, [false, true])
    func matchesReference(_ c: Case, wide: Bool) {
        if wide && !CPUFeatures.wideKernels { return }
        let a = Self.values(c.m * c.k, seed: 1), b = Self.values(c.k * c.n, seed: 2)
        let initial = Self.values(c.m * c.n, seed: 3)
        for (alpha, accumulate) in [(Float(1), false), (Float(0.5), true)] {
            var out = initial
            b.withUnsafeBufferPointer { pb in
                let packed = Sgemm.PackedMatrix(pb, k: c.k, n: c.n, transposed: c.transposed, wide: wide)
                // K = 0 leaves A empty: give the kernel a valid pointer it will not read.
                let aStorage = a.isEmpty ? [Float(0)] : a
                aStorage.withUnsafeBufferPointer { pa in
                    out.withUnsafeMutableBufferPointer { pc in
                        guard let aBase = pa.baseAddress, let cBase = pc.baseAddress else { return }
                        Sgemm.multiply(m: c.m, a: aBase, lda: c.k, b: packed, c: cBase, ldc: c.n,
                                       alpha: alpha, accumulate: accumulate)
                    }
                }
            }
            for i in 0..<c.m {
                for j in 0..<c.n {
                    var sum = 0.0
                    for p in 0..<c.k {
                        let bv = c.transposed ? b[j * c.k + p] : b[p * c.n + j]
                        sum += Double(a[i * c.k + p]) * Double(bv)
                    }
                    let expected = Double(alpha) * sum + (accumulate ? Double(initial[i * c.n + j]) : 0)
                    let got = Double(out[i * c.n + j])
                    #expect(abs(got - expected) <= 1e-4 * max(1, abs(expected)), "\(c) wide=\(wide) [\(i),\(j)]: \(got) vs \(expected)")
                }
            }
        }
    }

    @Test func cpuinfoFlagsAreParsed() {
        let text = "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma bmi2\n"
        #expect(CPUFeatures.hasFlags(cpuinfo: text, ["avx2", "fma"]))
        #expect(!CPUFeatures.hasFlags(cpuinfo: "flags : sse2 avx\n", ["avx2", "fma"]))
        #expect(!CPUFeatures.hasFlags(cpuinfo: "", ["avx2"]))
    }

    @Test func poolReusesReturnedBuffers() {
        let pool = BufferPool(maxBuffers: 2)
        var a = pool.floats(count: 10_000)
        let first = a.withUnsafeMutableBufferPointer { UInt(bitPattern: $0.baseAddress) }
        pool.recycle(a)
        a = []
        var b = pool.floats(count: 9_000)
        #expect(b.count == 9_000)
        #expect(b.withUnsafeMutableBufferPointer { UInt(bitPattern: $0.baseAddress) } == first)
        // A returned buffer still shared elsewhere is copied before anyone writes to it.
        let shared = [Float](repeating: 1, count: 5_000)
        pool.recycle(shared)
        var c = pool.floats(count: 5_000)
        c.withUnsafeMutableBufferPointer { $0[0] = 42 }
        #expect(shared[0] == 1)
        b = []
    }
}

@Suite struct BufferPoolTests {
    static func address(_ a: [Float]) -> UInt {
        a.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
    }

    @Test func keepsWithinItsBudget() {
        let pool = BufferPool(maxBuffers: 4, maxElements: 20_000)
        // Held here too, so malloc cannot hand a refused buffer's memory back out.
        var holders: [[Float]] = []
        for _ in 0..<3 {
            let a = [Float](repeating: 0, count: 8_000)
            holders.append(a)
            pool.recycle(a)
        }
        let recycled = Set(holders.map(Self.address))
        // Only two 8 000-float buffers fit in a budget of 20 000: the third was not kept.
        var reused = 0
        for _ in 0..<3 {
            let a = pool.floats(count: 8_000)
            if recycled.contains(Self.address(a)) { reused += 1 }
            holders.append(a)
        }
        #expect(reused == 2)
        // A larger buffer evicts smaller ones to fit.
        let big = [Float](repeating: 0, count: 19_000)
        holders.append(big)
        pool.recycle([Float](repeating: 0, count: 6_000))
        pool.recycle(big)
        #expect(Self.address(pool.floats(count: 19_000)) == Self.address(big))
    }
}
