/// `Softmax` and `LogSoftmax`. Before opset 13 the input is coerced to 2-D at `axis`
/// (default 1) and normalized over the flattened trailing block; from 13 along one `axis`
/// (default -1) — ONNX docs/Changelog.md, Softmax-13.
enum SoftmaxOperators {
    static func register(into registry: inout OperatorRegistry) {
        for (name, log) in [("Softmax", false), ("LogSoftmax", true)] {
            registry.register(name, since: 1) { ctx in
                try ctx.checkArity(inputs: 1...1, outputs: 1...1)
                let legacy = ctx.opsetVersion < 13
                return SoftmaxOperator(axis: try ctx.attributes.int("axis", default: legacy ? 1 : -1), legacy: legacy, log: log)
            }
        }
    }
}

struct SoftmaxOperator: Operator {
    let axis: Int
    let legacy: Bool
    let log: Bool

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "input")
        try OpSupport.check(x.type, in: OpSupport.floatTypes, "input")
        if let rank = x.shape?.count {
            guard axis >= -rank, axis < max(rank, 1) || (legacy && axis == rank) else {
                throw ModelError.invalidModel("axis \(axis) is out of range for rank \(rank)")
            }
        }
        return [ValueFact(x.type, x.shape)]
    }

    /// (outer, length, inner): the softmax runs over `length` elements `inner` apart.
    func layout(_ shape: [Int]) throws -> (Int, Int, Int) {
        let rank = shape.count
        guard axis >= -rank, axis < max(rank, 1) || (legacy && axis == rank) else {
            throw ModelError.runtime("axis \(axis) is out of range for rank \(rank)")
        }
        let a = axis < 0 ? axis + rank : axis
        if rank == 0 { return (1, 1, 1) }
        if legacy {
            return (shape[..<a].reduce(1, *), shape[a...].reduce(1, *), 1)
        }
        return (shape[..<a].reduce(1, *), shape[a], shape[(a + 1)...].reduce(1, *))
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        var x = try inputs.takeTensor(0)
        let shape = x.shape
        let (outer, length, inner) = try layout(shape)
        if var v = x.takeFloats() {
            apply(&v, outer, length, inner)
            return [.tensor(Tensor(unchecked: shape, .float(v)))]
        }
        switch x.takeStorage() {
        case .double(var v):
            apply(&v, outer, length, inner)
            return [.tensor(Tensor(unchecked: shape, .double(v)))]
        case .float16(let bits):
            var v = Half.toFloat(bits)
            apply(&v, outer, length, inner)
            return [.tensor(Tensor(unchecked: shape, .float16(Half.fromFloat(v))))]
        case let other:
            throw ModelError.runtime("unsupported input type \(other.dataType)")
        }
    }

    /// Max-subtracted (so exp never overflows) softmax or log-softmax, in place.
    private func apply<T: MathFloat>(_ values: inout [T], _ outer: Int, _ length: Int, _ inner: Int) {
        guard length > 0, inner > 0 else { return }
        values.withUnsafeMutableBufferPointer { p in
            for o in 0..<outer {
                for i in 0..<inner {
                    let base = o * length * inner + i
                    var maximum = -T.infinity
                    for j in 0..<length { maximum = Swift.max(maximum, p[base + j * inner]) }
                    var sum: T = 0
                    for j in 0..<length { sum += T.mExp(p[base + j * inner] - maximum) }
                    if log {
                        let logSum = T.mLog(sum)
                        for j in 0..<length { p[base + j * inner] = p[base + j * inner] - maximum - logSum }
                    } else {
                        for j in 0..<length { p[base + j * inner] = T.mExp(p[base + j * inner] - maximum) / sum }
                    }
                }
            }
        }
    }
}
