/// Kernels of the ai.onnx.ml operators compiled for AVX2 + FMA (see AVX2Kernels.swift for
/// the rules: raw pointers and SIMD values only, `@inline(never)` entry points, called only
/// after ModelKit's `CPUFeatures` check).
package enum MLKernels {
    /// onnxruntime MLAS's logistic (`MlasLogisticKernel`, FMA3 build) in place over `count`
    /// floats: x clamped to [-18, 18], then 0.5 + x·P(x²)/Q(x²) with MLAS's coefficients
    /// (`MlasLogisticConstants`), clamped to [0, 1]. Bit-identical to onnxruntime's batched
    /// LOGISTIC on AVX2 + FMA machines.
    @inline(never)
    package static func logistic(_ values: UnsafeMutablePointer<Float>, _ count: Int) {
        var i = 0
        while i + 8 <= count {
            let p = UnsafeMutableRawPointer(values + i)
            p.storeBytes(of: evaluate(p.loadUnaligned(as: SIMD8<Float>.self)), as: SIMD8<Float>.self)
            i += 8
        }
        if i < count {
            var lanes = SIMD8<Float>(repeating: 0)
            for j in 0..<(count - i) { lanes[j] = values[i + j] }
            let out = evaluate(lanes)
            for j in 0..<(count - i) { values[i + j] = out[j] }
        }
    }

    @inline(__always)
    private static func evaluate(_ x: SIMD8<Float>) -> SIMD8<Float> {
        typealias V = SIMD8<Float>
        var v = x
        v.replace(with: V(repeating: -18), where: v .< V(repeating: -18))
        v.replace(with: V(repeating: 18), where: v .> V(repeating: 18))
        let v2 = v * v
        // MlasMultiplyAdd(a, b, c) = a * b + c, fused.
        var p = V(repeating: 1.15627324459942e-07).addingProduct(v2, V(repeating: 4.37031012579801e-11))
        p = V(repeating: 6.08574864600143e-05).addingProduct(p, v2)
        p = V(repeating: 8.51377133304701e-03).addingProduct(p, v2)
        p = V(repeating: 2.48287947061529e-01).addingProduct(p, v2)
        p *= v
        var q = V(repeating: 5.76102136993427e-09).addingProduct(v2, V(repeating: 6.10247389755681e-13))
        q = V(repeating: 6.29106785017040e-06).addingProduct(q, v2)
        q = V(repeating: 1.70198817374094e-03).addingProduct(q, v2)
        q = V(repeating: 1.16817656904453e-01).addingProduct(q, v2)
        q = V(repeating: 9.93151921023180e-01).addingProduct(q, v2)
        var r = p / q + V(repeating: 0.5)
        r.replace(with: V(repeating: 0), where: r .< V(repeating: 0))
        r.replace(with: V(repeating: 1), where: r .> V(repeating: 1))
        return r
    }

    /// out[r, o] = Σ_c x[r, c] · w[o, c] (+ bias[o]) for row-major x (rows x columns) and w
    /// (outputs x columns): eight columns per fused multiply-add, two rows at a time.
    @inline(never)
    package static func dotRows(_ x: UnsafePointer<Float>, _ rows: Int, _ columns: Int, _ w: UnsafePointer<Float>,
                                _ outputs: Int, _ bias: UnsafePointer<Float>?, _ out: UnsafeMutablePointer<Float>) {
        typealias V = SIMD8<Float>
        let wide = columns & ~7
        var r = 0
        while r < rows {
            let pair = r + 1 < rows
            let x0 = x + r * columns, x1 = pair ? x0 + columns : x0
            for o in 0..<outputs {
                let wo = w + o * columns
                var a0 = V(repeating: 0), a1 = V(repeating: 0)
                var c = 0
                while c < wide {
                    let wv = UnsafeRawPointer(wo + c).loadUnaligned(as: V.self)
                    a0 = a0.addingProduct(UnsafeRawPointer(x0 + c).loadUnaligned(as: V.self), wv)
                    a1 = a1.addingProduct(UnsafeRawPointer(x1 + c).loadUnaligned(as: V.self), wv)
                    c += 8
                }
                var s0 = horizontalSum(a0), s1 = horizontalSum(a1)
                while c < columns {
                    s0 += x0[c] * wo[c]
                    s1 += x1[c] * wo[c]
                    c += 1
                }
                if let bias {
                    s0 += bias[o]
                    s1 += bias[o]
                }
                out[r * outputs + o] = s0
                if pair { out[(r + 1) * outputs + o] = s1 }
            }
            r += 2
        }
    }

    @inline(__always)
    private static func horizontalSum(_ v: SIMD8<Float>) -> Float {
        let h = v.lowHalf + v.highHalf
        let q = h.lowHalf + h.highHalf
        return q[0] + q[1]
    }
}
