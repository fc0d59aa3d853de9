/// The variadic element-wise `ai.onnx` operators `Sum`, `Mean`, `Max` and `Min` (opsets 1-13,
/// multidirectional broadcasting from opset 8).
///
/// Not in the core operator list, but exporters of the models this runtime serves emit them:
/// skl2onnx writes `Sum` in its multi-class SVC decision function and `Mean` in voting
/// ensembles. Values are combined input by input in the element type (float16 in float).
enum VariadicOperators {
    enum Kind: Sendable { case sum, mean, max, min }

    static func register(into registry: inout OperatorRegistry) {
        for (name, kind) in [("Sum", Kind.sum), ("Mean", .mean), ("Max", .max), ("Min", .min)] {
            registry.register(name, since: 1) { ctx in
                guard ctx.inputCount >= 1, (0..<ctx.inputCount).allSatisfy({ ctx.hasInput($0) }) else {
                    throw ModelError.invalidModel("takes one or more inputs, none of them omitted")
                }
                try ctx.checkArity(inputs: 1...Int.max, outputs: 1...1)
                return VariadicOperator(kind: kind, opset: ctx.opsetVersion)
            }
        }
    }
}

struct VariadicOperator: Operator {
    let kind: VariadicOperators.Kind
    let opset: Int

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let first = try OpSupport.tensorFact(inputs, 0, "data_0")
        let allowed = (kind == .max || kind == .min) && opset >= 12 ? OpSupport.numericTypes : OpSupport.floatTypes
        try OpSupport.check(first.type, in: allowed, "data_0")
        var shape = first.shape
        for i in 1..<inputs.count {
            let fact = try OpSupport.tensorFact(inputs, i, "data_\(i)")
            try OpSupport.checkSame(first.type, fact.type, "data_0 and data_\(i)")
            shape = opset >= 8 ? try Broadcast.dims(shape, fact.shape) : shape
        }
        return [ValueFact(first.type, shape)]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        var tensors: [Tensor] = []
        for i in 0..<inputs.count { tensors.append(try inputs.tensor(i)) }
        let shape = try Broadcast.shape(tensors.map(\.shape))
        let count = try inputs.checkOutput(shape)
        let type = tensors[0].dataType
        for t in tensors where t.dataType != type {
            throw ModelError.runtime("inputs have different types (\(type) and \(t.dataType))")
        }
        func combine<T>(_ values: [[T]], _ zero: T, _ op: (T, T) -> T) -> [T] {
            var out = [T](repeating: zero, count: count)
            for (k, (v, t)) in zip(values, tensors).enumerated() {
                let map = VariadicOperator.sourceIndices(t.shape, shape, count)
                if k == 0 {
                    for i in 0..<count { out[i] = v[map[i]] }
                } else {
                    for i in 0..<count { out[i] = op(out[i], v[map[i]]) }
                }
            }
            return out
        }
        func floating<T: BinaryFloatingPoint>(_ values: [[T]]) -> [T] {
            switch kind {
            case .sum: return combine(values, 0, +)
            case .mean:
                let n = T(values.count)
                return combine(values, 0, +).map { $0 / n }
            case .max: return combine(values, 0) { $0.isNaN || $1.isNaN ? .nan : Swift.max($0, $1) }
            case .min: return combine(values, 0) { $0.isNaN || $1.isNaN ? .nan : Swift.min($0, $1) }
            }
        }
        switch type {
        case .float: return [.tensor(Tensor(unchecked: shape, .float(floating(tensors.compactMap { $0.elements(as: Float.self) }))))]
        case .double: return [.tensor(Tensor(unchecked: shape, .double(floating(tensors.compactMap { $0.elements(as: Double.self) }))))]
        case .float16:
            let out = floating(tensors.compactMap { $0.floatValues() })
            return [.tensor(Tensor(unchecked: shape, .float16(Half.fromFloat(out))))]
        default:
            let values = tensors.compactMap { $0.int64Values() }
            guard kind == .max || kind == .min, values.count == tensors.count else {
                throw ModelError.runtime("\(type) inputs are not supported")
            }
            let out = combine(values, 0) { kind == .max ? Swift.max($0, $1) : Swift.min($0, $1) }
            var result = Tensor(unchecked: shape, .int64(out))
            if type != .int64 {
                // Narrow back: every value came from an input of this type.
                result = try result.converted(to: type)
            }
            return [.tensor(result)]
        }
    }

    /// For every element of `outShape`, the index of the element of `shape` it broadcasts from.
    static func sourceIndices(_ shape: [Int], _ outShape: [Int], _ count: Int) -> [Int] {
        let strides = Broadcast.strides(shape, in: outShape)
        var map = [Int](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: outShape.count)
        var source = 0
        for i in 0..<count {
            map[i] = source
            var axis = outShape.count - 1
            while axis >= 0 {
                index[axis] += 1
                source += strides[axis]
                if index[axis] < outShape[axis] { break }
                source -= strides[axis] * outShape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return map
    }
}
