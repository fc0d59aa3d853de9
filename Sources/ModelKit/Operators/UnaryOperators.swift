/// Elementwise unary operators: `Relu`, `LeakyRelu`, `Sigmoid`, `Tanh`, `Exp`, `Log`, `Sqrt`,
/// `Abs`, `Neg`, `Erf`, `Not`, and `Clip` (attributes before opset 11, inputs from 11).
enum UnaryOperators {
    static func register(into registry: inout OperatorRegistry) {
        let kinds: [(String, UnaryKind, Int)] = [
            ("Relu", .relu, 1), ("LeakyRelu", .leakyRelu, 1), ("Sigmoid", .sigmoid, 1), ("Tanh", .tanh, 1),
            ("Exp", .exp, 1), ("Log", .log, 1), ("Sqrt", .sqrt, 1), ("Abs", .abs, 1), ("Neg", .neg, 1),
            ("Erf", .erf, 9), ("Not", .not, 1),
        ]
        for (name, kind, since) in kinds {
            registry.register(name, since: since) { ctx in
                try ctx.checkArity(inputs: 1...1, outputs: 1...1)
                let alpha = kind == .leakyRelu ? try ctx.attributes.float("alpha", default: 0.01) : 0
                return UnaryOperator(kind: kind, alpha: alpha, opset: ctx.opsetVersion)
            }
        }
        registry.register("Clip", since: 1) { ctx in
            if ctx.opsetVersion < 11 {
                try ctx.checkArity(inputs: 1...1, outputs: 1...1)
                return ClipOperator(
                    attributeMin: try ctx.attributes.float("min", default: -Float.greatestFiniteMagnitude),
                    attributeMax: try ctx.attributes.float("max", default: Float.greatestFiniteMagnitude),
                    opset: ctx.opsetVersion)
            }
            try ctx.checkArity(inputs: 1...3, outputs: 1...1)
            return ClipOperator(attributeMin: nil, attributeMax: nil, opset: ctx.opsetVersion)
        }
    }
}

enum UnaryKind: Sendable {
    case relu, leakyRelu, sigmoid, tanh, exp, log, sqrt, abs, neg, erf, not

    /// The element types each operator accepts (ONNX type constraints, latest opset).
    func allowed(opset: Int) -> Set<DataType> {
        switch self {
        case .relu: return opset >= 14 ? OpSupport.signedTypes : OpSupport.floatTypes
        case .abs: return OpSupport.numericTypes
        case .neg: return OpSupport.signedTypes
        case .not: return [.bool]
        default: return OpSupport.floatTypes
        }
    }
}

struct UnaryOperator: Operator {
    let kind: UnaryKind
    let alpha: Float
    let opset: Int

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "X")
        try OpSupport.check(x.type, in: kind.allowed(opset: opset), "X")
        return [ValueFact(x.type, x.shape)]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        var x = try inputs.takeTensor(0)
        let shape = x.shape
        // Float32 first, moved out of the tensor so the buffer is unique and mutated in place.
        if var v = x.takeFloats() {
            switch kind {
            case .relu: v.withUnsafeMutableBufferPointer { VectorKernels.relu($0) }
            case .leakyRelu: v.withUnsafeMutableBufferPointer { VectorKernels.leakyRelu($0, alpha: alpha) }
            default: apply(&v)
            }
            return [.tensor(Tensor(unchecked: shape, .float(v)))]
        }
        switch x.takeStorage() {
        case .double(var v):
            apply(&v)
            return [.tensor(Tensor(unchecked: shape, .double(v)))]
        case .float16(let bits):
            var v = Half.toFloat(bits)
            apply(&v)
            return [.tensor(Tensor(unchecked: shape, .float16(Half.fromFloat(v))))]
        case .bool(let v) where kind == .not:
            return [.tensor(Tensor(unchecked: shape, .bool(v.map { !$0 })))]
        case .int8(let v): return [.tensor(Tensor(unchecked: shape, .int8(try integer(v))))]
        case .int16(let v): return [.tensor(Tensor(unchecked: shape, .int16(try integer(v))))]
        case .int32(let v): return [.tensor(Tensor(unchecked: shape, .int32(try integer(v))))]
        case .int64(let v): return [.tensor(Tensor(unchecked: shape, .int64(try integer(v))))]
        case .uint8(let v): return [.tensor(Tensor(unchecked: shape, .uint8(try integer(v))))]
        case .uint16(let v): return [.tensor(Tensor(unchecked: shape, .uint16(try integer(v))))]
        case .uint32(let v): return [.tensor(Tensor(unchecked: shape, .uint32(try integer(v))))]
        case .uint64(let v): return [.tensor(Tensor(unchecked: shape, .uint64(try integer(v))))]
        case let other:
            throw ModelError.runtime("unsupported input type \(other.dataType)")
        }
    }

    /// The floating-point kernels, in place over a contiguous buffer.
    private func apply<T: MathFloat>(_ values: inout [T]) {
        let a = T(alpha)
        values.withUnsafeMutableBufferPointer { p in
            switch kind {
            case .relu: for i in p.indices { p[i] = p[i] < 0 ? 0 : p[i] }
            case .leakyRelu: for i in p.indices { p[i] = p[i] < 0 ? p[i] * a : p[i] }
            case .sigmoid:
                for i in p.indices {
                    let v = p[i]
                    // Split by sign so exp never overflows: 1/(1+e^-x) for x >= 0, e^x/(1+e^x) otherwise.
                    if v >= 0 { p[i] = 1 / (1 + T.mExp(-v)) } else { let e = T.mExp(v); p[i] = e / (1 + e) }
                }
            case .tanh: for i in p.indices { p[i] = T.mTanh(p[i]) }
            case .exp: for i in p.indices { p[i] = T.mExp(p[i]) }
            case .log: for i in p.indices { p[i] = T.mLog(p[i]) }
            case .sqrt: for i in p.indices { p[i] = T.mSqrt(p[i]) }
            case .abs: for i in p.indices { p[i] = Swift.abs(p[i]) }
            case .neg: for i in p.indices { p[i] = -p[i] }
            case .erf: for i in p.indices { p[i] = T.mErf(p[i]) }
            case .not: break
            }
        }
    }

    /// Integer kernels (`Relu`, `Abs`, `Neg`), wrapping instead of trapping on `T.min`.
    private func integer<T: FixedWidthInteger>(_ values: [T]) throws -> [T] {
        switch kind {
        case .relu: return values.map { $0 < 0 ? 0 : $0 }
        case .abs: return values.map { $0 < 0 ? 0 &- $0 : $0 }
        case .neg: return values.map { 0 &- $0 }
        default: throw ModelError.runtime("integer input is not supported")
        }
    }
}

/// `Clip`: bounds from attributes (opset < 11) or from optional scalar inputs `min`, `max`.
struct ClipOperator: Operator {
    let attributeMin: Float?
    let attributeMax: Float?
    let opset: Int

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "input")
        try OpSupport.check(x.type, in: opset >= 12 ? OpSupport.numericTypes : OpSupport.floatTypes, "input")
        for i in 1..<3 where i < inputs.count {
            guard inputs[i] != nil else { continue }
            let bound = try OpSupport.tensorFact(inputs, i, i == 1 ? "min" : "max")
            try OpSupport.checkSame(x.type, bound.type, "input and \(i == 1 ? "min" : "max")")
            if let s = bound.shape, !(s.isEmpty || (s.count == 1 && s[0] == .fixed(1))) {
                throw ModelError.invalidModel("\(i == 1 ? "min" : "max") must be a scalar, got shape \(ValueType.describe(s))")
            }
        }
        return [ValueFact(x.type, x.shape)]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        var x = try inputs.takeTensor(0)
        let lo = try inputs.optionalTensor(1)
        let hi = try inputs.optionalTensor(2)
        for b in [lo, hi] {
            if let b, b.elementCount != 1 { throw ModelError.runtime("min and max must be scalars, got shape \(b.shape)") }
        }
        let shape = x.shape
        if var v = x.takeFloats() {
            clipFloat(&v, lo?.floatValues()?.first ?? attributeMin, hi?.floatValues()?.first ?? attributeMax)
            return [.tensor(Tensor(unchecked: shape, .float(v)))]
        }
        let storage: TensorStorage
        switch x.takeStorage() {
        case .double(var v):
            clipFloat(&v, lo?.doubleValues()?.first ?? attributeMin.map(Double.init), hi?.doubleValues()?.first ?? attributeMax.map(Double.init))
            storage = .double(v)
        case .float16(let bits):
            var v = Half.toFloat(bits)
            clipFloat(&v, lo?.floatValues()?.first ?? attributeMin, hi?.floatValues()?.first ?? attributeMax)
            storage = .float16(Half.fromFloat(v))
        case .int8(let v): storage = .int8(clipInt(v, lo, hi))
        case .int16(let v): storage = .int16(clipInt(v, lo, hi))
        case .int32(let v): storage = .int32(clipInt(v, lo, hi))
        case .int64(let v): storage = .int64(clipInt(v, lo, hi))
        case .uint8(let v): storage = .uint8(clipInt(v, lo, hi))
        case .uint16(let v): storage = .uint16(clipInt(v, lo, hi))
        case .uint32(let v): storage = .uint32(clipInt(v, lo, hi))
        case .uint64(let v): storage = .uint64(clipInt(v, lo, hi))
        case let other: throw ModelError.runtime("unsupported input type \(other.dataType)")
        }
        return [.tensor(Tensor(unchecked: shape, storage))]
    }

    /// `min(max(x, lo), hi)`: when lo > hi every element becomes hi (the spec's numpy.clip order).
    private func clipFloat<T: MathFloat>(_ v: inout [T], _ lo: T?, _ hi: T?) {
        let l = lo ?? -T.infinity, h = hi ?? T.infinity
        v.withUnsafeMutableBufferPointer { p in
            for i in p.indices {
                var e = p[i]
                if e < l { e = l }
                if e > h { e = h }
                p[i] = e
            }
        }
    }

    private func clipInt<T: FixedWidthInteger & TensorElement>(_ v: [T], _ lo: Tensor?, _ hi: Tensor?) -> [T] {
        let l = lo?.elements(as: T.self)?.first ?? T.min
        let h = hi?.elements(as: T.self)?.first ?? T.max
        return v.map { e in
            var r = e
            if r < l { r = l }
            if r > h { r = h }
            return r
        }
    }
}
