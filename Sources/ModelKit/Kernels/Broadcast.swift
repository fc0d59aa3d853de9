/// Numpy-style multidirectional broadcasting (ONNX docs/Broadcasting.md): shapes are aligned
/// on their trailing dimensions; each pair must be equal or contain a 1.
enum Broadcast {
    /// The broadcast shape of `a` and `b`, or an error naming both.
    static func shape(_ a: [Int], _ b: [Int]) throws -> [Int] {
        let rank = max(a.count, b.count)
        var out = Array(repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else {
                throw ModelError.runtime("shapes \(a) and \(b) cannot be broadcast together")
            }
        }
        return out
    }

    /// The broadcast shape of several shapes.
    static func shape(_ shapes: [[Int]]) throws -> [Int] {
        var out: [Int] = []
        for s in shapes { out = try shape(out, s) }
        return out
    }

    /// Broadcasting at load: symbolic and unknown dimensions are kept where the result is
    /// certain, and provable conflicts (two different static sizes, neither 1) fail.
    static func dims(_ a: [Dimension]?, _ b: [Dimension]?) throws -> [Dimension]? {
        guard let a, let b else { return nil }
        let rank = max(a.count, b.count)
        var out: [Dimension] = []
        out.reserveCapacity(rank)
        for i in 0..<rank {
            let da: Dimension = i < rank - a.count ? .fixed(1) : a[i - (rank - a.count)]
            let db: Dimension = i < rank - b.count ? .fixed(1) : b[i - (rank - b.count)]
            switch (da, db) {
            case (.fixed(let x), .fixed(let y)):
                if x == y || y == 1 { out.append(da) } else if x == 1 { out.append(db) } else {
                    throw ModelError.invalidModel("shapes \(ValueType.describe(a)) and \(ValueType.describe(b)) cannot be broadcast together")
                }
            case (.fixed(1), _): out.append(db)
            case (_, .fixed(1)): out.append(da)
            case (.fixed, _): out.append(da)
            case (_, .fixed): out.append(db)
            case (.symbolic(let x), .symbolic(let y)) where x == y: out.append(da)
            default: out.append(.unknown)
            }
        }
        return out
    }

    /// Per-axis strides of `shape` as seen from `outShape` (0 on broadcast axes).
    static func strides(_ shape: [Int], in outShape: [Int]) -> [Int] {
        let own = Tensor.strides(of: shape)
        let offset = outShape.count - shape.count
        var result = Array(repeating: 0, count: outShape.count)
        for i in 0..<shape.count where shape[i] != 1 {
            result[i + offset] = own[i]
        }
        return result
    }

    /// Applies `op` elementwise over the broadcast of `a` (shape `aShape`) and `b`, producing
    /// `outShape` (already computed by `shape(_:_:)`) in row-major order.
    @inline(__always)
    static func apply<A, B, R>(_ a: [A], _ aShape: [Int], _ b: [B], _ bShape: [Int], _ outShape: [Int],
                               _ op: (A, B) -> R) -> [R] {
        let count = outShape.reduce(1, *)
        if count == 0 { return [] }
        if a.count == count && b.count == count {
            return a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    [R](unsafeUninitializedCapacity: count) { out, n in
                        for i in 0..<count { out.initializeElement(at: i, to: op(pa[i], pb[i])) }
                        n = count
                    }
                }
            }
        }
        if b.count == 1 && a.count == count {
            let y = b[0]
            return a.withUnsafeBufferPointer { pa in
                [R](unsafeUninitializedCapacity: count) { out, n in
                    for i in 0..<count { out.initializeElement(at: i, to: op(pa[i], y)) }
                    n = count
                }
            }
        }
        if a.count == 1 && b.count == count {
            let x = a[0]
            return b.withUnsafeBufferPointer { pb in
                [R](unsafeUninitializedCapacity: count) { out, n in
                    for i in 0..<count { out.initializeElement(at: i, to: op(x, pb[i])) }
                    n = count
                }
            }
        }
        // General case: an odometer over the outer axes, a strided loop over the last one.
        let sa = strides(aShape, in: outShape)
        let sb = strides(bShape, in: outShape)
        let rank = outShape.count
        let inner = outShape[rank - 1]
        let ia = sa[rank - 1], ib = sb[rank - 1]
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                [R](unsafeUninitializedCapacity: count) { out, n in
                    var index = Array(repeating: 0, count: rank)
                    var offA = 0, offB = 0, o = 0
                    while o < count {
                        var pA = offA, pB = offB
                        for _ in 0..<inner {
                            out.initializeElement(at: o, to: op(pa[pA], pb[pB]))
                            o += 1
                            pA += ia
                            pB += ib
                        }
                        // Advance the odometer over axes rank-2 ... 0.
                        var axis = rank - 2
                        while axis >= 0 {
                            index[axis] += 1
                            offA += sa[axis]
                            offB += sb[axis]
                            if index[axis] < outShape[axis] { break }
                            offA -= sa[axis] * outShape[axis]
                            offB -= sb[axis] * outShape[axis]
                            index[axis] = 0
                            axis -= 1
                        }
                    }
                    n = count
                }
            }
        }
    }

    /// For each element of `outShape`, the index of the element of `shape` it broadcasts from.
    static func sourceIndices(_ shape: [Int], in outShape: [Int]) -> [Int] {
        let count = outShape.reduce(1, *)
        guard count > 0 else { return [] }
        let s = strides(shape, in: outShape)
        var result = [Int]()
        result.reserveCapacity(count)
        var index = Array(repeating: 0, count: outShape.count)
        var offset = 0
        for _ in 0..<count {
            result.append(offset)
            var axis = outShape.count - 1
            while axis >= 0 {
                index[axis] += 1
                offset += s[axis]
                if index[axis] < outShape[axis] { break }
                offset -= s[axis] * outShape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }
}
