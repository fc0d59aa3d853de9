/// `MatMul` (numpy matmul semantics: 1-D promotion, batch broadcasting) and `Gemm`
/// (`alpha * A' * B' + beta * C`). Float32 runs on the blocked SIMD kernel (`Sgemm`) with
/// constant B packed once at load; other types use a plain loop.
enum MatMulOperators {
    static func register(into registry: inout OperatorRegistry) {
        registry.register("MatMul", since: 1) { ctx in
            try ctx.checkArity(inputs: 2...2, outputs: 1...1)
            return MatMulOperator(packedB: nil)
        }
        registry.register("Gemm", since: 1) { ctx in
            try ctx.checkArity(inputs: ctx.opsetVersion >= 11 ? 2...3 : 3...3, outputs: 1...1)
            return GemmOperator(
                alpha: try ctx.attributes.float("alpha", default: 1),
                beta: try ctx.attributes.float("beta", default: 1),
                transA: try ctx.attributes.int("transA", default: 0) != 0,
                transB: try ctx.attributes.int("transB", default: 0) != 0,
                packedB: nil)
        }
    }
}

/// The resolved shapes of one matmul: batch dims, M, K, N, output shape.
struct MatMulShape {
    let aBatch: [Int], bBatch: [Int], batch: [Int]
    let m: Int, k: Int, n: Int
    let out: [Int]

    init(_ a: [Int], _ b: [Int]) throws {
        guard !a.isEmpty, !b.isEmpty else { throw ModelError.runtime("MatMul inputs must have rank >= 1, got \(a) and \(b)") }
        let a2 = a.count == 1 ? [1, a[0]] : a
        let b2 = b.count == 1 ? [b[0], 1] : b
        m = a2[a2.count - 2]
        k = a2[a2.count - 1]
        n = b2[b2.count - 1]
        guard b2[b2.count - 2] == k else {
            throw ModelError.runtime("MatMul inner dimensions differ: A has shape \(a), B has shape \(b)")
        }
        aBatch = Array(a2.dropLast(2))
        bBatch = Array(b2.dropLast(2))
        batch = try Broadcast.shape(aBatch, bBatch)
        out = batch + (a.count == 1 ? [] : [m]) + (b.count == 1 ? [] : [n])
    }

    /// The same resolution over load-time dimensions.
    static func dims(_ a: [Dimension]?, _ b: [Dimension]?) throws -> [Dimension]? {
        guard let a, let b else { return nil }
        guard !a.isEmpty, !b.isEmpty else { throw ModelError.invalidModel("MatMul inputs must have rank >= 1") }
        let a2 = a.count == 1 ? [.fixed(1), a[0]] : a
        let b2 = b.count == 1 ? [b[0], .fixed(1)] : b
        if case .fixed(let ka) = a2[a2.count - 1], case .fixed(let kb) = b2[b2.count - 2], ka != kb {
            throw ModelError.invalidModel("MatMul inner dimensions differ: A is \(ValueType.describe(a)), B is \(ValueType.describe(b))")
        }
        let batch = try Broadcast.dims(Array(a2.dropLast(2)), Array(b2.dropLast(2))) ?? []
        return batch + (a.count == 1 ? [] : [a2[a2.count - 2]]) + (b.count == 1 ? [] : [b2[b2.count - 1]])
    }
}

struct MatMulOperator: Operator {
    /// B packed at load when it is a constant 2-D float tensor.
    let packedB: Sgemm.PackedMatrix?

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let a = try OpSupport.tensorFact(inputs, 0, "A")
        let b = try OpSupport.tensorFact(inputs, 1, "B")
        try OpSupport.check(a.type, in: [.float, .double, .float16, .int32, .int64, .uint32, .uint64], "A")
        try OpSupport.checkSame(a.type, b.type, "A and B")
        return [ValueFact(a.type, try MatMulShape.dims(a.shape, b.shape))]
    }

    func prepared(_ inputs: [ValueFact?]) throws -> any Operator {
        guard inputs.count > 1, let b = inputs[1]?.constant, b.rank == 2, let values = b.elements(as: Float.self) else { return self }
        let packed = values.withUnsafeBufferPointer { Sgemm.PackedMatrix($0, k: b.shape[0], n: b.shape[1], transposed: false) }
        return MatMulOperator(packedB: packed)
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let a = try inputs.tensor(0)
        let b = try inputs.tensor(1)
        let s = try MatMulShape(a.shape, b.shape)
        let count = try inputs.checkOutput(s.out)
        switch (a.storage, b.storage) {
        case (.float(let x), .float(let y)):
            var out = inputs.floatBuffer(count: count)
            MatMulOperator.float(x, y, s, &out, packedB)
            return [.tensor(Tensor(unchecked: s.out, .float(out)))]
        case (.float16(let x), .float16(let y)):
            var r = [Float](repeating: 0, count: count)
            MatMulOperator.float(Half.toFloat(x), Half.toFloat(y), s, &r, nil)
            return [.tensor(Tensor(unchecked: s.out, .float16(Half.fromFloat(r))))]
        case (.double(let x), .double(let y)): return [.tensor(Tensor(unchecked: s.out, .double(Naive.batched(x, y, s, count))))]
        case (.int32(let x), .int32(let y)): return [.tensor(Tensor(unchecked: s.out, .int32(Naive.batched(x, y, s, count))))]
        case (.int64(let x), .int64(let y)): return [.tensor(Tensor(unchecked: s.out, .int64(Naive.batched(x, y, s, count))))]
        case (.uint32(let x), .uint32(let y)): return [.tensor(Tensor(unchecked: s.out, .uint32(Naive.batched(x, y, s, count))))]
        case (.uint64(let x), .uint64(let y)): return [.tensor(Tensor(unchecked: s.out, .uint64(Naive.batched(x, y, s, count))))]
        default: throw ModelError.runtime("unsupported input types \(a.dataType) and \(b.dataType)")
        }
    }

    /// Float32 matmul on the SIMD kernel; a 2-D B makes A's batch dims part of M (one call).
    static func float(_ x: [Float], _ y: [Float], _ s: MatMulShape, _ out: inout [Float], _ packed: Sgemm.PackedMatrix?) {
        let count = out.count
        guard count > 0 else { return }
        out.withUnsafeMutableBufferPointer { outBuffer in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeBufferPointer { py in
                    guard let pa = px.baseAddress, let pc = outBuffer.baseAddress else {
                        for i in 0..<count { outBuffer[i] = 0 }
                        return
                    }
                    if s.bBatch.isEmpty && s.aBatch == s.batch {
                        let rows = count / max(s.n, 1)
                        let pb = packed ?? Sgemm.PackedMatrix(py, k: s.k, n: s.n, transposed: false)
                        Sgemm.multiply(m: rows, a: pa, lda: s.k, b: pb, c: pc, ldc: s.n, alpha: 1, accumulate: false)
                        return
                    }
                    let aIdx = Broadcast.sourceIndices(s.aBatch, in: s.batch)
                    let bIdx = Broadcast.sourceIndices(s.bBatch, in: s.batch)
                    for i in 0..<aIdx.count {
                        let bSlice = UnsafeBufferPointer(rebasing: py[(bIdx[i] * s.k * s.n)..<((bIdx[i] + 1) * s.k * s.n)])
                        let pb = Sgemm.PackedMatrix(bSlice, k: s.k, n: s.n, transposed: false)
                        Sgemm.multiply(m: s.m, a: pa + aIdx[i] * s.m * s.k, lda: s.k, b: pb,
                                       c: pc + i * s.m * s.n, ldc: s.n, alpha: 1, accumulate: false)
                    }
                }
            }
        }
    }
}

/// `Gemm`: `Y = alpha * op(A) · op(B) + beta * C`, C unidirectionally broadcast to [M, N].
struct GemmOperator: Operator {
    let alpha: Float
    let beta: Float
    let transA: Bool
    let transB: Bool
    let packedB: Sgemm.PackedMatrix?

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let a = try OpSupport.tensorFact(inputs, 0, "A")
        let b = try OpSupport.tensorFact(inputs, 1, "B")
        try OpSupport.check(a.type, in: [.float, .double, .float16, .int32, .int64, .uint32, .uint64], "A")
        try OpSupport.checkSame(a.type, b.type, "A and B")
        var out: [Dimension]? = nil
        if let sa = a.shape, let sb = b.shape {
            guard sa.count == 2, sb.count == 2 else {
                throw ModelError.invalidModel("A and B must be 2-D, got \(ValueType.describe(sa)) and \(ValueType.describe(sb))")
            }
            let (m, ka) = transA ? (sa[1], sa[0]) : (sa[0], sa[1])
            let (kb, n) = transB ? (sb[1], sb[0]) : (sb[0], sb[1])
            if case .fixed(let x) = ka, case .fixed(let y) = kb, x != y {
                throw ModelError.invalidModel("inner dimensions differ: op(A) is [\(m), \(ka)], op(B) is [\(kb), \(n)]")
            }
            out = [m, n]
        }
        if inputs.count > 2, inputs[2] != nil {
            let c = try OpSupport.tensorFact(inputs, 2, "C")
            try OpSupport.checkSame(a.type, c.type, "A and C")
            if let out, let sc = c.shape {
                let merged = try Broadcast.dims(out, sc)
                if let merged, merged.count != 2 || zip(merged, out).contains(where: { $0.fixedValue != nil && $1.fixedValue != nil && $0 != $1 }) {
                    throw ModelError.invalidModel("C of shape \(ValueType.describe(sc)) does not broadcast to \(ValueType.describe(out))")
                }
            }
        }
        return [ValueFact(a.type, out ?? [.unknown, .unknown])]
    }

    func prepared(_ inputs: [ValueFact?]) throws -> any Operator {
        guard inputs.count > 1, let b = inputs[1]?.constant, b.rank == 2, let values = b.elements(as: Float.self) else { return self }
        let (k, n) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        let packed = values.withUnsafeBufferPointer { Sgemm.PackedMatrix($0, k: k, n: n, transposed: transB) }
        return GemmOperator(alpha: alpha, beta: beta, transA: transA, transB: transB, packedB: packed)
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let a = try inputs.tensor(0)
        let b = try inputs.tensor(1)
        let c = try inputs.optionalTensor(2)
        guard a.rank == 2, b.rank == 2 else { throw ModelError.runtime("A and B must be 2-D, got \(a.shape) and \(b.shape)") }
        let (m, k) = transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (kb, n) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        guard k == kb else { throw ModelError.runtime("inner dimensions differ: op(A) is [\(m), \(k)], op(B) is [\(kb), \(n)]") }
        let out = [m, n]
        let count = try inputs.checkOutput(out)
        if let c {
            guard c.rank <= 2, try Broadcast.shape(out, c.shape) == out else {
                throw ModelError.runtime("C of shape \(c.shape) does not broadcast to \(out)")
            }
        }
        switch a.storage {
        case .float(let x):
            guard let y = b.elements(as: Float.self) else { throw ModelError.runtime("B must be float") }
            let bias = try c.map { t -> [Float] in
                guard let v = t.elements(as: Float.self) else { throw ModelError.runtime("C must be float") }
                return v
            }
            return [.tensor(Tensor(unchecked: out, .float(float(x, y, bias, c?.shape ?? [], m, k, n, count))))]
        case .float16(let x):
            guard let y = b.floatValues() else { throw ModelError.runtime("B must be float16") }
            let r = float(Half.toFloat(x), y, c?.floatValues(), c?.shape ?? [], m, k, n, count, usePacked: false)
            return [.tensor(Tensor(unchecked: out, .float16(Half.fromFloat(r))))]
        case .double(let x): return [.tensor(Tensor(unchecked: out, .double(try generic(x, b, c, m, k, n))))]
        case .int32(let x): return [.tensor(Tensor(unchecked: out, .int32(try generic(x, b, c, m, k, n))))]
        case .int64(let x): return [.tensor(Tensor(unchecked: out, .int64(try generic(x, b, c, m, k, n))))]
        case .uint32(let x): return [.tensor(Tensor(unchecked: out, .uint32(try generic(x, b, c, m, k, n))))]
        case .uint64(let x): return [.tensor(Tensor(unchecked: out, .uint64(try generic(x, b, c, m, k, n))))]
        default: throw ModelError.runtime("unsupported input type \(a.dataType)")
        }
    }

    private func float(_ x: [Float], _ y: [Float], _ bias: [Float]?, _ biasShape: [Int], _ m: Int, _ k: Int, _ n: Int,
                       _ count: Int, usePacked: Bool = true) -> [Float] {
        guard count > 0 else { return [] }
        // Y starts as beta * C (broadcast), then the product is accumulated into it.
        var result: [Float]
        let hasBias = bias != nil && beta != 0
        if let bias, hasBias {
            let idx = Broadcast.sourceIndices(biasShape, in: [m, n])
            result = idx.map { beta * bias[$0] }
        } else {
            result = [Float](repeating: 0, count: count)
        }
        let aRows: [Float] = transA ? GemmOperator.transpose(x, rows: k, cols: m) : x
        result.withUnsafeMutableBufferPointer { pc in
            aRows.withUnsafeBufferPointer { pa in
                y.withUnsafeBufferPointer { py in
                    guard let a = pa.baseAddress, let c = pc.baseAddress else { return }
                    let packed = (usePacked ? packedB : nil) ?? Sgemm.PackedMatrix(py, k: k, n: n, transposed: transB)
                    Sgemm.multiply(m: m, a: a, lda: k, b: packed, c: c, ldc: n, alpha: alpha, accumulate: true)
                }
            }
        }
        return result
    }

    static func transpose<T>(_ x: [T], rows: Int, cols: Int) -> [T] {
        guard rows * cols > 0 else { return [] }
        var out = [T]()
        out.reserveCapacity(rows * cols)
        for j in 0..<cols { for i in 0..<rows { out.append(x[i * cols + j]) } }
        return out
    }

    private func generic<T: GemmElement>(_ x: [T], _ b: Tensor, _ c: Tensor?, _ m: Int, _ k: Int, _ n: Int) throws -> [T] {
        guard let y = b.elements(as: T.self) else { throw ModelError.runtime("B must be \(T.dataType)") }
        let a2 = transA ? GemmOperator.transpose(x, rows: k, cols: m) : x
        let b2 = transB ? GemmOperator.transpose(y, rows: n, cols: k) : y
        let s = try MatMulShape([m, k], [k, n])
        var product = Naive.batched(a2, b2, s, m * n)
        let al = T.fromDouble(Double(alpha)), be = T.fromDouble(Double(beta))
        for i in product.indices { product[i] = T.mul(al, product[i]) }
        if let c, beta != 0 {
            guard let cv = c.elements(as: T.self) else { throw ModelError.runtime("C must be \(T.dataType)") }
            let idx = Broadcast.sourceIndices(c.shape, in: [m, n])
            for i in product.indices { product[i] = T.add(product[i], T.mul(be, cv[idx[i]])) }
        }
        return product
    }
}

/// Element types of the plain matmul loop: floats add normally, integers wrap.
protocol GemmElement: TensorElement {
    static var zero: Self { get }
    static func add(_ a: Self, _ b: Self) -> Self
    static func mul(_ a: Self, _ b: Self) -> Self
    static func fromDouble(_ d: Double) -> Self
}

extension Double: GemmElement {
    static var zero: Double { 0 }
    static func add(_ a: Double, _ b: Double) -> Double { a + b }
    static func mul(_ a: Double, _ b: Double) -> Double { a * b }
    static func fromDouble(_ d: Double) -> Double { d }
}

extension Float: GemmElement {
    static var zero: Float { 0 }
    static func add(_ a: Float, _ b: Float) -> Float { a + b }
    static func mul(_ a: Float, _ b: Float) -> Float { a * b }
    static func fromDouble(_ d: Double) -> Float { Float(d) }
}

extension Int32: GemmElement {
    static var zero: Int32 { 0 }
    static func add(_ a: Int32, _ b: Int32) -> Int32 { a &+ b }
    static func mul(_ a: Int32, _ b: Int32) -> Int32 { a &* b }
    static func fromDouble(_ d: Double) -> Int32 { Convert.int32(d) }
}

extension Int64: GemmElement {
    static var zero: Int64 { 0 }
    static func add(_ a: Int64, _ b: Int64) -> Int64 { a &+ b }
    static func mul(_ a: Int64, _ b: Int64) -> Int64 { a &* b }
    static func fromDouble(_ d: Double) -> Int64 { Convert.int64(d) }
}

extension UInt32: GemmElement {
    static var zero: UInt32 { 0 }
    static func add(_ a: UInt32, _ b: UInt32) -> UInt32 { a &+ b }
    static func mul(_ a: UInt32, _ b: UInt32) -> UInt32 { a &* b }
    static func fromDouble(_ d: Double) -> UInt32 { UInt32(truncatingIfNeeded: Convert.uint64(d)) }
}

extension UInt64: GemmElement {
    static var zero: UInt64 { 0 }
    static func add(_ a: UInt64, _ b: UInt64) -> UInt64 { a &+ b }
    static func mul(_ a: UInt64, _ b: UInt64) -> UInt64 { a &* b }
    static func fromDouble(_ d: Double) -> UInt64 { Convert.uint64(d) }
}

/// The plain i-k-j matmul loop with batch broadcasting, for non-float32 types.
enum Naive {
    static func batched<T: GemmElement>(_ x: [T], _ y: [T], _ s: MatMulShape, _ count: Int) -> [T] {
        var out = [T](repeating: T.zero, count: count)
        guard count > 0 else { return out }
        let aIdx = Broadcast.sourceIndices(s.aBatch, in: s.batch)
        let bIdx = Broadcast.sourceIndices(s.bBatch, in: s.batch)
        for bi in 0..<aIdx.count {
            let aBase = aIdx[bi] * s.m * s.k, bBase = bIdx[bi] * s.k * s.n, cBase = bi * s.m * s.n
            for i in 0..<s.m {
                for p in 0..<s.k {
                    let av = x[aBase + i * s.k + p]
                    let row = bBase + p * s.n
                    for j in 0..<s.n { out[cBase + i * s.n + j] = T.add(out[cBase + i * s.n + j], T.mul(av, y[row + j])) }
                }
            }
        }
        return out
    }
}
