#if canImport(Glibc)
import Glibc
#endif

/// `SVMRegressor` and `SVMClassifier` (ml opset 1), computed as onnxruntime does
/// (`core/providers/cpu/ml/svmclassifier.cc`, `svmregressor.cc`): kernel values in single
/// precision, one-vs-one decision values summed in double, libsvm's pairwise coupling
/// (`multiclass_probability`) for probabilities from `prob_a` / `prob_b`.
enum SVMOperators {
    static let domain = "ai.onnx.ml"

    static func register(into registry: inout OperatorRegistry) {
        registry.register("SVMRegressor", domain: domain) { ctx in
            try ctx.checkArity(inputs: 1...1, outputs: 1...1)
            return try SVMRegressorOperator(ctx)
        }
        registry.register("SVMClassifier", domain: domain) { ctx in
            try ctx.checkArity(inputs: 1...1, outputs: 1...2)
            return try SVMClassifierOperator(ctx)
        }
    }

    /// The input as `rows x columns` floats, checking the width the model was trained on.
    static func features(_ inputs: OperatorInputs, expected: Int) throws -> (rows: Int, x: [Float]) {
        let x = try inputs.tensor(0)
        let (rows, columns) = try MLSupport.matrixShape(x.shape)
        guard columns == expected else {
            throw ModelError.runtime("input X has \(columns) features; the model expects \(expected)")
        }
        return (rows, try MLSupport.floats(x))
    }

    static func checkWidth(_ columns: Dimension, _ expected: Int) throws {
        if case .fixed(let c) = columns, c != expected {
            throw ModelError.invalidModel("input X has \(c) features; the model expects \(expected)")
        }
    }
}

/// The kernel of an SVM: `kernel_type` and `kernel_params` = [gamma, coef0, degree].
struct SVMKernel: Sendable {
    enum Kind: Sendable { case linear, poly, rbf, sigmoid }

    let kind: Kind
    let gamma: Float
    let coef0: Float
    let degree: Float

    init(_ a: Attributes) throws {
        let name = try a.string("kernel_type") ?? "LINEAR"
        switch name {
        case "LINEAR": kind = .linear
        case "POLY": kind = .poly
        case "RBF": kind = .rbf
        case "SIGMOID": kind = .sigmoid
        default: throw ModelError.invalidModel("attribute 'kernel_type' is '\(name)'; expected LINEAR, POLY, RBF or SIGMOID")
        }
        let params = try a.floats("kernel_params") ?? []
        guard params.isEmpty || params.count >= 3 else {
            throw ModelError.invalidModel("attribute 'kernel_params' has \(params.count) entries; expected [gamma, coef0, degree]")
        }
        gamma = params.isEmpty ? 0 : params[0]
        coef0 = params.isEmpty ? 0 : params[1]
        degree = params.isEmpty ? 0 : params[2]
    }

    /// K(x, v_j) for `count` vectors of `features` floats each, written to `out`.
    func values(_ x: UnsafePointer<Float>, _ vectors: UnsafePointer<Float>, count: Int, features: Int, _ out: UnsafeMutablePointer<Float>) {
        for j in 0..<count {
            let v = vectors + j * features
            switch kind {
            case .rbf:
                var sum: Float = 0
                for c in 0..<features {
                    let d = x[c] - v[c]
                    sum += d * d
                }
                out[j] = expf(-gamma * sum)
            default:
                var dot: Float = 0
                for c in 0..<features { dot += x[c] * v[c] }
                switch kind {
                case .linear: out[j] = dot
                case .poly: out[j] = Float(pow(Double(gamma * dot + coef0), Double(degree)))
                default: out[j] = tanhf(gamma * dot + coef0)
                }
            }
        }
    }
}

/// `SVMRegressor`: Y = Σ_j coefficients[j] · K(x, sv_j) + rho[0] (float [N, 1]); with
/// `n_supports` = 0 a linear model over `coefficients`; `one_class` maps to ±1.
struct SVMRegressorOperator: Operator {
    let kernel: SVMKernel
    let vectors: [Float]
    let vectorCount: Int
    let coefficients: [Float]
    let rho: Float
    let oneClass: Bool
    let featureCount: Int

    init(_ ctx: NodeContext) throws {
        let a = ctx.attributes
        vectorCount = try a.int("n_supports", default: 0)
        guard vectorCount >= 0 else { throw ModelError.invalidModel("attribute 'n_supports' is negative") }
        coefficients = try a.floats("coefficients") ?? []
        guard !coefficients.isEmpty else { throw ModelError.invalidModel("attribute 'coefficients' is required") }
        guard let rho = try a.floats("rho")?.first else { throw ModelError.invalidModel("attribute 'rho' is required") }
        self.rho = rho
        oneClass = try a.int("one_class", default: 0) != 0
        vectors = try a.floats("support_vectors") ?? []
        if vectorCount > 0 {
            guard vectors.count % vectorCount == 0, !vectors.isEmpty else {
                throw ModelError.invalidModel("attribute 'support_vectors' has \(vectors.count) values, not a multiple of n_supports (\(vectorCount))")
            }
            guard coefficients.count >= vectorCount else {
                throw ModelError.invalidModel("attribute 'coefficients' has \(coefficients.count) entries for \(vectorCount) support vectors")
            }
            featureCount = vectors.count / vectorCount
            kernel = try SVMKernel(a)
        } else {
            featureCount = coefficients.count
            kernel = try SVMKernel(a)  // unused: the linear mode is a plain dot product
        }
        _ = try PostTransform.attribute(a)  // validated; onnxruntime applies none for regression
    }

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "X")
        try OpSupport.check(x.type, in: MLSupport.predictorTypes, "X")
        let (batch, columns) = try MLSupport.matrixFact(x.shape)
        try SVMOperators.checkWidth(columns, featureCount)
        return [ValueFact(.float, [batch, .fixed(1)])]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let (rows, x) = try SVMOperators.features(inputs, expected: featureCount)
        var y = [Float](repeating: 0, count: rows)
        var kernels = [Float](repeating: 0, count: max(vectorCount, 1))
        x.withUnsafeBufferPointer { xp in
            vectors.withUnsafeBufferPointer { vp in
                coefficients.withUnsafeBufferPointer { cp in
                    kernels.withUnsafeMutableBufferPointer { kp in
                        guard let xb = xp.baseAddress, let cb = cp.baseAddress, let kb = kp.baseAddress else { return }
                        for r in 0..<rows {
                            let row = xb + r * featureCount
                            var s: Float
                            if vectorCount > 0, let vb = vp.baseAddress {
                                kernel.values(row, vb, count: vectorCount, features: featureCount, kb)
                                s = 0
                                for j in 0..<vectorCount { s += kb[j] * cb[j] }
                                s += rho
                            } else {
                                s = 0
                                for c in 0..<featureCount { s += row[c] * cb[c] }
                                s += rho
                            }
                            y[r] = oneClass ? (s > 0 ? 1 : -1) : s
                        }
                    }
                }
            }
        }
        return [.tensor(Tensor(unchecked: [rows, 1], .float(y)))]
    }
}
