/// `Binarizer` (ml opset 1): Y = X > threshold ? 1 : 0, of the input's type and shape.
///
/// A NaN input fails the run, as onnxruntime does ("Input data with index: i is NaN"); the
/// operator page does not say what a NaN compares to.
struct BinarizerOperator: Operator {
    let threshold: Float

    static func register(into registry: inout OperatorRegistry) {
        registry.register("Binarizer", domain: "ai.onnx.ml") { ctx in
            try ctx.checkArity(inputs: 1...1, outputs: 1...1)
            return BinarizerOperator(threshold: try ctx.attributes.float("threshold", default: 0))
        }
    }

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "X")
        try OpSupport.check(x.type, in: MLSupport.predictorTypes, "X")
        return [ValueFact(x.type, x.shape)]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let x = try inputs.tensor(0)
        let t = Double(threshold)
        switch x.storage {
        case .float(let v):
            if let i = v.firstIndex(where: { $0.isNaN }) { throw ModelError.runtime("input X has NaN at index \(i)") }
            return [.tensor(Tensor(unchecked: x.shape, .float(v.map { $0 > threshold ? 1 : 0 })))]
        case .double(let v):
            if let i = v.firstIndex(where: { $0.isNaN }) { throw ModelError.runtime("input X has NaN at index \(i)") }
            return [.tensor(Tensor(unchecked: x.shape, .double(v.map { $0 > t ? 1 : 0 })))]
        case .int64(let v): return [.tensor(Tensor(unchecked: x.shape, .int64(v.map { Double($0) > t ? 1 : 0 })))]
        case .int32(let v): return [.tensor(Tensor(unchecked: x.shape, .int32(v.map { Double($0) > t ? 1 : 0 })))]
        default: throw ModelError.runtime("input X has unsupported type \(x.dataType)")
        }
    }
}
