import ModelKitKernels

/// `LinearRegressor` and `LinearClassifier` (ml opset 1).
///
/// Scores are X · coefficientsᵀ + intercepts in single precision (onnxruntime runs an sgemm);
/// double inputs are computed in double and rounded once. Transforms follow onnxruntime's
/// `batched_update_scores_inplace`: with a single score column only PROBIT applies, except
/// the binary classifier that writes two columns from one score (`[1 - s, s]`, after
/// LOGISTIC when asked).
enum LinearModelOperators {
    static let domain = "ai.onnx.ml"

    static func register(into registry: inout OperatorRegistry) {
        registry.register("LinearRegressor", domain: domain) { ctx in
            try ctx.checkArity(inputs: 1...1, outputs: 1...1)
            return try LinearRegressorOperator(ctx)
        }
        registry.register("LinearClassifier", domain: domain) { ctx in
            try ctx.checkArity(inputs: 1...1, outputs: 1...2)
            return try LinearClassifierOperator(ctx)
        }
    }

    /// `rows x outputs` scores: Σ_c x[r, c] · coefficients[o · columns + c] (+ intercepts[o]).
    static func scores(_ x: Tensor, columns: Int, rows: Int, outputs: Int, coefficients: [Float], intercepts: [Float]) throws -> [Float] {
        var out = [Float](repeating: 0, count: rows * outputs)
        if case .double(let xd) = x.storage {
            let cd = coefficients.map { Double($0) }
            for r in 0..<rows {
                for o in 0..<outputs {
                    var sum = 0.0
                    for c in 0..<columns { sum += xd[r * columns + c] * cd[o * columns + c] }
                    if !intercepts.isEmpty { sum += Double(intercepts[o]) }
                    out[r * outputs + o] = Float(sum)
                }
            }
            return out
        }
        let xf = try MLSupport.floats(x)
        xf.withUnsafeBufferPointer { xp in
            coefficients.withUnsafeBufferPointer { cp in
                intercepts.withUnsafeBufferPointer { ip in
                    out.withUnsafeMutableBufferPointer { op in
                        guard let xb = xp.baseAddress, let cb = cp.baseAddress, let ob = op.baseAddress else { return }
                        if CPUFeatures.wideKernels && columns >= 8 {
                            MLKernels.dotRows(xb, rows, columns, cb, outputs, intercepts.isEmpty ? nil : ip.baseAddress, ob)
                        } else {
                            dot(xb, rows: rows, columns: columns, cb, outputs: outputs, intercepts.isEmpty ? nil : ip.baseAddress, ob)
                        }
                    }
                }
            }
        }
        return out
    }

    /// out[r, o] = Σ_c x[r, c] · w[o, c], four rows at a time so the four sums are independent
    /// chains (the latency of one addition overlaps the others).
    private static func dot(_ x: UnsafePointer<Float>, rows: Int, columns: Int, _ w: UnsafePointer<Float>, outputs: Int,
                            _ bias: UnsafePointer<Float>?, _ out: UnsafeMutablePointer<Float>) {
        var r = 0
        while r + 4 <= rows {
            let x0 = x + r * columns, x1 = x0 + columns, x2 = x1 + columns, x3 = x2 + columns
            for o in 0..<outputs {
                let wo = w + o * columns
                var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
                for c in 0..<columns {
                    let wc = wo[c]
                    s0 += x0[c] * wc
                    s1 += x1[c] * wc
                    s2 += x2[c] * wc
                    s3 += x3[c] * wc
                }
                let b = bias?[o] ?? 0
                out[r * outputs + o] = bias == nil ? s0 : s0 + b
                out[(r + 1) * outputs + o] = bias == nil ? s1 : s1 + b
                out[(r + 2) * outputs + o] = bias == nil ? s2 : s2 + b
                out[(r + 3) * outputs + o] = bias == nil ? s3 : s3 + b
            }
            r += 4
        }
        while r < rows {
            let xr = x + r * columns
            for o in 0..<outputs {
                let wo = w + o * columns
                var s: Float = 0
                for c in 0..<columns { s += xr[c] * wo[c] }
                out[r * outputs + o] = bias.map { s + $0[o] } ?? s
            }
            r += 1
        }
    }

    /// Applies a transform to `rows x width` scores as onnxruntime's batched update does for
    /// width > 1: LOGISTIC through MLAS's vectorized kernel over the whole buffer, the others per row.
    static func transformRows(_ scores: inout [Float], rows: Int, width: Int, _ transform: PostTransform) {
        guard transform != .none else { return }
        scores.withUnsafeMutableBufferPointer { p in
            if transform == .logistic {
                MLMath.logisticBatch(p)
                return
            }
            guard let base = p.baseAddress else { return }
            for r in 0..<rows { transform.apply(UnsafeMutableBufferPointer(start: base + r * width, count: width)) }
        }
    }

    /// The feature count a coefficient array implies for `outputs` rows of weights, checked
    /// against the input's width when it is known.
    static func checkWidth(_ columns: Dimension, coefficients: Int, outputs: Int, _ op: String) throws {
        if case .fixed(let c) = columns {
            let (needed, overflow) = c.multipliedReportingOverflow(by: outputs)
            guard !overflow, coefficients >= needed else {
                throw ModelError.invalidModel("\(op): \(coefficients) coefficients cannot weigh \(c) features for \(outputs) output(s)")
            }
        }
    }
}

/// `LinearRegressor`: Y = X · coefficientsᵀ + intercepts, float [N, targets].
struct LinearRegressorOperator: Operator {
    let coefficients: [Float]
    let intercepts: [Float]
    let targets: Int
    let transform: PostTransform

    init(_ ctx: NodeContext) throws {
        let a = ctx.attributes
        targets = try a.int("targets", default: 1)
        guard targets >= 1 else { throw ModelError.invalidModel("attribute 'targets' must be >= 1, got \(targets)") }
        coefficients = try a.floats("coefficients") ?? []
        guard coefficients.count >= targets else {
            throw ModelError.invalidModel("attribute 'coefficients' has \(coefficients.count) entries; at least one per target (\(targets)) is needed")
        }
        intercepts = try a.floats("intercepts") ?? []
        guard intercepts.isEmpty || intercepts.count == targets else {
            throw ModelError.invalidModel("attribute 'intercepts' has \(intercepts.count) entries; expected 0 or targets (\(targets))")
        }
        transform = try PostTransform.attribute(a)
    }

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "X")
        try OpSupport.check(x.type, in: MLSupport.predictorTypes, "X")
        let (batch, columns) = try MLSupport.matrixFact(x.shape)
        try LinearModelOperators.checkWidth(columns, coefficients: coefficients.count, outputs: targets, "LinearRegressor")
        return [ValueFact(.float, [batch, .fixed(targets)])]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let x = try inputs.tensor(0)
        let (rows, columns) = try MLSupport.matrixShape(x.shape)
        // onnxruntime: "coefficients length must be at least targets * features".
        let needed = columns.multipliedReportingOverflow(by: targets)
        guard !needed.overflow, needed.partialValue <= coefficients.count else {
            throw ModelError.runtime("\(coefficients.count) coefficients cannot weigh \(columns) features for \(targets) target(s)")
        }
        try inputs.checkOutput([rows, targets])
        var y = try LinearModelOperators.scores(x, columns: columns, rows: rows, outputs: targets,
                                                coefficients: coefficients, intercepts: intercepts)
        if targets == 1 {
            if transform == .probit { for i in y.indices { y[i] = MLMath.probit(y[i]) } }
        } else {
            LinearModelOperators.transformRows(&y, rows: rows, width: targets, transform)
        }
        return [.tensor(Tensor(unchecked: [rows, targets], .float(y)))]
    }
}

/// `LinearClassifier`: Y = labels [N], Z = scores float [N, classes].
///
/// As in onnxruntime: the class count is the number of intercepts; one class with two labels
/// is the binary case (label 1 when the raw score is > 0, scores `[1 - s, s]`); otherwise the
/// label is the first class with the highest raw score, before any transform.
struct LinearClassifierOperator: Operator {
    let coefficients: [Float]
    let intercepts: [Float]
    let labels: ClassLabels
    let transform: PostTransform

    var classCount: Int { intercepts.count }
    /// One score column for two labels: the second column is derived.
    var addsSecondClass: Bool { classCount == 1 }

    init(_ ctx: NodeContext) throws {
        let a = ctx.attributes
        guard let coefficients = try a.floats("coefficients"), !coefficients.isEmpty else {
            throw ModelError.invalidModel("attribute 'coefficients' is required")
        }
        self.coefficients = coefficients
        intercepts = try a.floats("intercepts") ?? []
        guard !intercepts.isEmpty else {
            throw ModelError.invalidModel("attribute 'intercepts' must list one intercept per class (onnxruntime counts classes by it)")
        }
        guard let labels = try ClassLabels.parse(a, ints: "classlabels_ints", strings: "classlabels_strings") else {
            throw ModelError.invalidModel("class labels are required")
        }
        self.labels = labels
        if intercepts.count == 1 {
            guard labels.count == 2 else {
                throw ModelError.invalidModel("one score column needs exactly two class labels, got \(labels.count)")
            }
        } else {
            guard labels.count >= intercepts.count else {
                throw ModelError.invalidModel("\(intercepts.count) classes but only \(labels.count) class labels")
            }
        }
        guard coefficients.count % intercepts.count == 0 else {
            throw ModelError.invalidModel("attribute 'coefficients' has \(coefficients.count) entries, not a multiple of the class count \(intercepts.count)")
        }
        transform = try PostTransform.attribute(a)
    }

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "X")
        try OpSupport.check(x.type, in: MLSupport.predictorTypes, "X")
        let (batch, columns) = try MLSupport.matrixFact(x.shape)
        if case .fixed(let c) = columns, c * classCount != coefficients.count {
            throw ModelError.invalidModel("\(coefficients.count) coefficients do not weigh \(c) features for \(classCount) class(es)")
        }
        return [ValueFact(labels.dataType, [batch]), ValueFact(.float, [batch, .fixed(addsSecondClass ? 2 : classCount)])]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let x = try inputs.tensor(0)
        let (rows, columns) = try MLSupport.matrixShape(x.shape)
        let needed = columns.multipliedReportingOverflow(by: classCount)
        guard !needed.overflow, needed.partialValue == coefficients.count else {
            throw ModelError.runtime("\(coefficients.count) coefficients do not weigh \(columns) features for \(classCount) class(es)")
        }
        let width = addsSecondClass ? 2 : classCount
        try inputs.checkOutput([rows, width])
        var scores = try LinearModelOperators.scores(x, columns: columns, rows: rows, outputs: classCount,
                                                     coefficients: coefficients, intercepts: intercepts)
        var picks = [Int](repeating: 0, count: rows)
        var z: [Float]
        if addsSecondClass {
            z = [Float](repeating: 0, count: rows * width)
            for r in 0..<rows {
                let s = scores[r]
                picks[r] = s > 0 ? 1 : 0
                switch transform {
                case .probit:
                    // onnxruntime writes the probits in the first N slots of the buffer and leaves
                    // the rest unwritten; this runtime writes [probit(s), 0] per row.
                    z[2 * r] = MLMath.probit(s)
                case .logistic:
                    let p = MLMath.logistic(s)
                    z[2 * r] = 1 - p
                    z[2 * r + 1] = p
                default:
                    z[2 * r] = 1 - s
                    z[2 * r + 1] = s
                }
            }
        } else {
            z = scores
            scores = []  // z is now the only owner: the transform works in place
            for r in 0..<rows {
                var best = 0
                for k in 1..<width where z[r * width + k] > z[r * width + best] { best = k }
                picks[r] = best
            }
            LinearModelOperators.transformRows(&z, rows: rows, width: width, transform)
        }
        return [.tensor(labels.tensor(picking: picks)), .tensor(Tensor(unchecked: [rows, width], .float(z)))]
    }
}
