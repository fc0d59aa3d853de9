/// `ArrayFeatureExtractor` (ml opset 1): selects elements of the last axis of X at the int64
/// indices Y. Z has X's shape with the last axis replaced by the number of indices; a 1-D X
/// gives `[1, k]`, as onnxruntime does. An index outside the last axis fails the run.
struct ArrayFeatureExtractorOperator: Operator {
    static func register(into registry: inout OperatorRegistry) {
        registry.register("ArrayFeatureExtractor", domain: "ai.onnx.ml") { ctx in
            try ctx.checkArity(inputs: 2...2, outputs: 1...1)
            return ArrayFeatureExtractorOperator()
        }
    }

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "X")
        let y = try OpSupport.tensorFact(inputs, 1, "Y")
        try OpSupport.check(x.type, in: [.float, .double, .int64, .int32, .string], "X")
        try OpSupport.check(y.type, in: [.int64], "Y")
        guard let shape = x.shape else { return [ValueFact(x.type, nil)] }
        guard !shape.isEmpty else { throw ModelError.invalidModel("input X must have at least one dimension") }
        var count: Dimension = .unknown
        if let dims = y.shape {
            let fixed = dims.compactMap(\.fixedValue)
            if fixed.count == dims.count { count = .fixed(fixed.reduce(1, *)) }
        }
        return [ValueFact(x.type, shape.count == 1 ? [.fixed(1), count] : Array(shape.dropLast()) + [count])]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let x = try inputs.tensor(0)
        let y = try inputs.tensor(1)
        guard x.rank >= 1 else { throw ModelError.runtime("input X must have at least one dimension") }
        guard case .int64(let indices) = y.storage else { throw ModelError.runtime("input Y must be int64, got \(y.dataType)") }
        let last = x.shape[x.rank - 1]
        for (i, index) in indices.enumerated() where index < 0 || index >= last {
            throw ModelError.runtime("index \(index) (element \(i) of Y) is outside the last axis of X (size \(last))")
        }
        let outer = last == 0 ? (x.rank == 1 ? 1 : x.shape.dropLast().reduce(1, *)) : x.elementCount / last
        let shape = x.rank == 1 ? [1, indices.count] : Array(x.shape.dropLast()) + [indices.count]
        try inputs.checkOutput(shape)
        var picks: [Int] = []
        picks.reserveCapacity(outer * indices.count)
        for r in 0..<outer {
            for index in indices { picks.append(r * last + Int(index)) }
        }
        return [.tensor(Tensor(unchecked: shape, x.storage.gathering(picks)))]
    }
}
