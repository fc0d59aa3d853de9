/// `BatchNormalization` (inference, and training mode's batch statistics from opset 14) and
/// `Dropout` (inference: the identity, with an all-true mask).
enum NormalizationOperators {
    static func register(into registry: inout OperatorRegistry) {
        registry.register("BatchNormalization", since: 6) { ctx in
            try ctx.checkArity(inputs: 5...5, outputs: 1...5)
            var training = false
            if ctx.opsetVersion >= 14 {
                training = try ctx.attributes.int("training_mode", default: 0) != 0
            } else if ctx.opsetVersion < 7 {
                training = try ctx.attributes.int("is_test", default: 0) == 0 && ctx.outputCount > 1
            }
            if ctx.opsetVersion < 9, try ctx.attributes.int("spatial", default: 1) == 0 {
                throw ModelError.unsupported("BatchNormalization with spatial=0 is not supported")
            }
            guard training || ctx.outputCount == 1 || ctx.opsetVersion < 14 else {
                throw ModelError.invalidModel("outputs running_mean/running_var need training_mode=1")
            }
            return BatchNormalizationOperator(
                epsilon: try ctx.attributes.float("epsilon", default: 1e-5),
                momentum: try ctx.attributes.float("momentum", default: 0.9),
                training: training && ctx.opsetVersion >= 14, outputCount: ctx.outputCount)
        }
        registry.register("Dropout", since: 1) { ctx in
            try ctx.checkArity(inputs: ctx.opsetVersion >= 12 ? 1...3 : 1...1, outputs: 1...2)
            if ctx.opsetVersion < 7, try ctx.attributes.int("is_test", default: 0) == 0 {
                throw ModelError.unsupported("Dropout with is_test=0 (training) is not supported")
            }
            return DropoutOperator(boolMask: ctx.opsetVersion >= 10, outputCount: ctx.outputCount,
                                   ratio: try ctx.attributes.float("ratio", default: 0.5))
        }
    }
}

struct BatchNormalizationOperator: Operator {
    let epsilon: Float
    let momentum: Float
    let training: Bool
    let outputCount: Int

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "X")
        try OpSupport.check(x.type, in: OpSupport.floatTypes, "X")
        if let s = x.shape, s.count < 2 { throw ModelError.invalidModel("X must have rank >= 2, got \(ValueType.describe(s))") }
        let channels = x.shape?[1]
        for (i, name) in [(1, "scale"), (2, "B"), (3, "input_mean"), (4, "input_var")] {
            let p = try OpSupport.tensorFact(inputs, i, name)
            try OpSupport.check(p.type, in: OpSupport.floatTypes, name)
            if let s = p.shape, let channels, case .fixed(let c) = channels {
                guard s.count == 1, s[0].fixedValue == nil || s[0] == .fixed(c) else {
                    throw ModelError.invalidModel("\(name) must have shape [\(c)], got \(ValueType.describe(s))")
                }
            }
        }
        var facts = [ValueFact(x.type, x.shape)]
        let stat = ValueFact(x.type, channels.map { [$0] })
        while facts.count < max(outputCount, 1) { facts.append(stat) }
        return facts
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        var x = try inputs.takeTensor(0)
        guard x.rank >= 2 else { throw ModelError.runtime("X must have rank >= 2, got \(x.shape)") }
        let shape = x.shape, dataType = x.dataType
        let n = shape[0], c = shape[1], inner = shape[2...].reduce(1, *)
        var params: [[Float]] = []
        for i in 1...4 {
            guard let p = try inputs.tensor(i).floatValues(), p.count == c else {
                throw ModelError.runtime("scale, B, mean and var must have \(c) elements")
            }
            params.append(p)
        }
        guard var v = x.takeFloatsConverting() else { throw ModelError.runtime("X must be a float tensor") }
        var mean = params[2], variance = params[3]
        var runMean = mean, runVar = variance
        if training {
            // Batch statistics over all axes but the channel (population variance), as the spec's reference.
            let count = Double(n * inner)
            for ch in 0..<c {
                var sum = 0.0, sq = 0.0
                for b in 0..<n { for k in 0..<inner { let e = Double(v[(b * c + ch) * inner + k]); sum += e; sq += e * e } }
                let m = count > 0 ? sum / count : 0
                mean[ch] = Float(m)
                variance[ch] = Float(count > 0 ? max(sq / count - m * m, 0) : 0)
                runMean[ch] = params[2][ch] * momentum + mean[ch] * (1 - momentum)
                runVar[ch] = params[3][ch] * momentum + variance[ch] * (1 - momentum)
            }
        }
        v.withUnsafeMutableBufferPointer { p in
            for ch in 0..<c {
                let scale = params[0][ch] / (variance[ch] + epsilon).squareRoot()
                let shift = params[1][ch] - mean[ch] * scale
                for b in 0..<n {
                    let base = (b * c + ch) * inner
                    for k in 0..<inner { p[base + k] = p[base + k] * scale + shift }
                }
            }
        }
        func back(_ values: [Float], _ s: [Int]) -> Value {
            switch dataType {
            case .double: return .tensor(Tensor(unchecked: s, .double(values.map { Double($0) })))
            case .float16: return .tensor(Tensor(unchecked: s, .float16(Half.fromFloat(values))))
            default: return .tensor(Tensor(unchecked: s, .float(values)))
            }
        }
        var outputs = [back(v, shape)]
        if outputCount > 1 { outputs.append(back(runMean, [c])) }
        if outputCount > 2 { outputs.append(back(runVar, [c])) }
        if outputCount > 3 { outputs.append(back(mean, [c])) }
        if outputCount > 4 { outputs.append(back(variance, [c])) }
        return outputs
    }
}

extension Tensor {
    /// The elements as `[Float]`, moving the buffer out when already float32.
    mutating func takeFloatsConverting() -> [Float]? {
        if dataType == .float { return takeFloats() }
        return floatValues()
    }
}

struct DropoutOperator: Operator {
    var forwardsInput: Bool { true }

    let boolMask: Bool
    let outputCount: Int
    let ratio: Float

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "data")
        try OpSupport.check(x.type, in: OpSupport.floatTypes, "data")
        if inputs.count > 2, let t = inputs[2] {
            try OpSupport.check(try t.elementType(), in: [.bool], "training_mode")
            if let c = t.constant, c.elements(as: Bool.self)?.first == true {
                let r = inputs.count > 1 ? inputs[1]?.constant?.floatValues()?.first : ratio
                if r != 0 { throw ModelError.unsupported("Dropout in training mode is not supported (inference only)") }
            }
        }
        return [ValueFact(x.type, x.shape), ValueFact(boolMask ? .bool : x.type, x.shape)]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let x = try inputs.takeTensor(0)
        if let t = try inputs.optionalTensor(2), t.elements(as: Bool.self)?.first == true {
            let r = try inputs.optionalTensor(1)?.floatValues()?.first ?? 0.5
            guard r == 0 else { throw ModelError.runtime("Dropout in training mode is not supported (inference only)") }
        }
        guard outputCount > 1 else { return [.tensor(x)] }
        let mask: Tensor = boolMask
            ? Tensor(unchecked: x.shape, .bool(Array(repeating: true, count: x.elementCount)))
            : try x.filled(one: true)
        return [.tensor(x), .tensor(mask)]
    }
}

extension Tensor {
    /// A tensor of the same shape and type filled with ones (used for pre-opset-10 masks).
    func filled(one: Bool) throws -> Tensor {
        try Tensor(unchecked: shape, .bool(Array(repeating: one, count: elementCount))).converted(to: dataType)
    }
}
