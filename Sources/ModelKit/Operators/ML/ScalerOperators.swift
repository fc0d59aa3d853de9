/// `Scaler` and `Normalizer` (ml opset 1): float outputs of the input's shape.
enum ScalerOperators {
    static let domain = "ai.onnx.ml"

    static func register(into registry: inout OperatorRegistry) {
        registry.register("Scaler", domain: domain) { ctx in
            try ctx.checkArity(inputs: 1...1, outputs: 1...1)
            return try ScalerOperator(ctx)
        }
        registry.register("Normalizer", domain: domain) { ctx in
            try ctx.checkArity(inputs: 1...1, outputs: 1...1)
            let name = try ctx.attributes.string("norm") ?? "MAX"
            guard let norm = NormalizerOperator.Norm(rawValue: name) else {
                throw ModelError.invalidModel("attribute 'norm' is '\(name)'; expected MAX, L1 or L2")
            }
            return NormalizerOperator(norm: norm)
        }
    }

    /// The per-column stride onnxruntime uses for `[C]`, `[N, C, ...]` inputs: `C` = dims[0] for
    /// rank 1, else dims[1] (`scaler.cc`, `imputer.cc`).
    static func stride(_ shape: [Int]) -> Int {
        shape.count == 1 ? shape[0] : (shape.count >= 2 ? shape[1] : 1)
    }
}

/// `Scaler`: Y = (X - offset) * scale, per column when the arrays have one entry per column
/// (the input's dim 1), or the same for all when they have one entry.
struct ScalerOperator: Operator {
    let offset: [Float]
    let scale: [Float]

    init(_ ctx: NodeContext) throws {
        scale = try ctx.attributes.floats("scale") ?? []
        guard !scale.isEmpty else { throw ModelError.invalidModel("attribute 'scale' is required and must not be empty") }
        offset = try ctx.attributes.floats("offset") ?? [0]
        guard !offset.isEmpty else { throw ModelError.invalidModel("attribute 'offset' must not be empty") }
    }

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "X")
        try OpSupport.check(x.type, in: MLSupport.predictorTypes, "X")
        if let shape = x.shape, shape.isEmpty { throw ModelError.invalidModel("input X must have at least one dimension") }
        if let shape = x.shape, !shape.isEmpty, case .fixed(let c) = shape.count == 1 ? shape[0] : shape[1] {
            for (name, a) in [("offset", offset), ("scale", scale)] where a.count != 1 && a.count != c {
                throw ModelError.invalidModel("attribute '\(name)' has \(a.count) entries; expected 1 or \(c) (one per column)")
            }
        }
        return [ValueFact(.float, x.shape)]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let x = try inputs.tensor(0)
        guard x.rank >= 1 else { throw ModelError.runtime("input X must have at least one dimension") }
        let c = ScalerOperators.stride(x.shape)
        for (name, a) in [("offset", offset), ("scale", scale)] where a.count != 1 && a.count != c {
            throw ModelError.runtime("attribute '\(name)' has \(a.count) entries; expected 1 or \(c) (one per column)")
        }
        var y = try MLSupport.floats(x)
        let perColumnOffset = offset.count > 1, perColumnScale = scale.count > 1
        for i in y.indices {
            let column = c > 0 ? i % c : 0
            y[i] = (y[i] - offset[perColumnOffset ? column : 0]) * scale[perColumnScale ? column : 0]
        }
        return [.tensor(Tensor(unchecked: x.shape, .float(y)))]
    }
}

/// `Normalizer`: each row of `[C]` / `[N, C]` divided by its maximum (MAX, the largest value,
/// not the largest magnitude, as onnxruntime computes it), the sum of absolute values (L1)
/// or the Euclidean norm (L2); a row whose divisor is 0 is copied.
struct NormalizerOperator: Operator {
    enum Norm: String, Sendable { case max = "MAX", l1 = "L1", l2 = "L2" }

    let norm: Norm

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "X")
        try OpSupport.check(x.type, in: MLSupport.predictorTypes, "X")
        _ = try MLSupport.matrixFact(x.shape)
        return [ValueFact(.float, x.shape)]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let x = try inputs.tensor(0)
        let (rows, columns) = try MLSupport.matrixShape(x.shape)
        var y = try MLSupport.floats(x)
        for r in 0..<rows {
            let row = (r * columns)..<((r + 1) * columns)
            let divisor: Float
            switch norm {
            case .max:
                divisor = y[row].reduce(-Float.greatestFiniteMagnitude) { Swift.max($0, $1) }
            case .l1:
                divisor = y[row].reduce(0) { $0 + abs($1) }
            case .l2:
                divisor = y[row].reduce(0) { $0 + $1 * $1 }.squareRoot()
            }
            guard divisor != 0, !row.isEmpty else { continue }
            for i in row { y[i] /= divisor }
        }
        return [.tensor(Tensor(unchecked: x.shape, .float(y)))]
    }
}
