/// `TreeEnsembleClassifier` (ml opsets 1 and 3): Y = labels [N], Z = class scores float [N, classes].
///
/// The label and score rules are onnxruntime's (`TreeAggregatorClassifier`), which the
/// operator page leaves open for two classes:
/// - more than two classes: base values are added (a class without leaves takes its base
///   value), the label is the first class with the highest raw score among those that have one;
/// - two classes and one distinct class id ("binary case", how scikit-learn and gradient
///   boosting exports encode them): the label compares the positive score with 0.5 when all
///   weights are non-negative (probabilities) or with 0 otherwise; with a single score the
///   second column is made from it: `[1 - p, p]` (after LOGISTIC if asked) for probabilities,
///   `[-s, s]` or `[σ(-s), σ(s)]` for margins;
/// - two classes with weights for both: the label is the raw 1 (or 0) of a positive (or not)
///   second score, as onnxruntime writes it;
/// - one class: the single summed score, and the raw label 1 if it is positive, else 0.
struct TreeClassifierOperator: Operator {
    let trees: CompiledTrees
    let labels: ClassLabels
    let base: [Double]
    let transform: PostTransform
    /// Two classes and a single distinct class id among the weights.
    let binaryCase: Bool
    let weightsAllPositive: Bool

    init(_ ctx: NodeContext) throws {
        let a = ctx.attributes
        guard let labels = try ClassLabels.parse(a, ints: "classlabels_int64s", strings: "classlabels_strings") else {
            throw ModelError.invalidModel("class labels are required")
        }
        self.labels = labels
        transform = try PostTransform.attribute(a)
        base = try MLSupport.floatsOrTensor(a, "base_values") ?? []
        let classes = labels.count
        guard base.isEmpty || base.count == classes || (base.count == 1 && classes == 2) else {
            throw ModelError.invalidModel("attribute 'base_values' has \(base.count) entries; expected 0 or one per class (\(classes))")
        }
        let ensemble = try TreeEnsemble(v3: a, weightPrefix: "class", targetCount: classes, limits: ctx.limits)
        let classIDs = try a.ints("class_ids") ?? []
        binaryCase = classes == 2 && Set(classIDs).count == 1
        let weights = try MLSupport.floatsOrTensor(a, "class_weights") ?? []
        weightsAllPositive = weights.allSatisfy { $0 >= 0 }
        trees = try CompiledTrees(ensemble)
    }

    private init(_ other: TreeClassifierOperator, trees: CompiledTrees) {
        self.trees = trees
        labels = other.labels
        base = other.base
        transform = other.transform
        binaryCase = other.binaryCase
        weightsAllPositive = other.weightsAllPositive
    }

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "X")
        try OpSupport.check(x.type, in: MLSupport.predictorTypes, "X")
        let (batch, columns) = try MLSupport.matrixFact(x.shape)
        try trees.checkColumns(columns)
        return [ValueFact(labels.dataType, [batch]), ValueFact(.float, [batch, .fixed(labels.count)])]
    }

    func prepared(_ inputs: [ValueFact?]) throws -> any Operator {
        guard let type = inputs.first??.type.tensorElementType else { return self }
        return TreeClassifierOperator(self, trees: try trees.prepared(for: type))
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let scores = try trees.scores(try inputs.tensor(0), aggregate: .sum, limits: inputs.limits)
        let rows = scores.rows
        var picks = [Int](repeating: 0, count: rows)
        var z = [Float](repeating: 0, count: rows * labels.count)
        switch scores {
        case .float(let s, _): finalize(s, rows, &picks, &z)
        case .double(let s, _): finalize(s, rows, &picks, &z)
        }
        return [.tensor(pickedLabels(picks)), .tensor(Tensor(unchecked: [rows, labels.count], .float(z)))]
    }

    /// Labels from picks: a class index, or -1 / -2 for onnxruntime's raw 0 / 1 (for string
    /// labels, the label at index 0 / 1, since onnxruntime maps its raw value through them).
    private func pickedLabels(_ picks: [Int]) -> Tensor {
        if case .strings = labels {
            let count = labels.count
            return labels.tensor(picking: picks.map { $0 >= 0 ? $0 : min(-1 - $0, count - 1) })
        }
        return labels.tensor(picking: picks)
    }

    private func finalize<T: TreeFloat & MathFloat>(_ s: TreeEnsemble.Scores<T>, _ rows: Int, _ picks: inout [Int], _ z: inout [Float]) {
        let classes = labels.count
        for r in 0..<rows {
            let (pick, row) = classify(s, r)
            picks[r] = pick
            for k in 0..<classes { z[r * classes + k] = k < row.count ? row[k] : 0 }
        }
    }

    /// The label pick and the score row of row `r`.
    private func classify<T: TreeFloat & MathFloat>(_ s: TreeEnsemble.Scores<T>, _ r: Int) -> (Int, [Float]) {
        let classes = labels.count
        guard let has = s.has else {
            // One class: onnxruntime's FinalizeScores1 with has_scores = {1, 0}.
            var v = s.values[r]
            if base.count == 1 { v += T(base[0]) }
            let score = transform == .probit ? MLMath.probit(Float(v)) : Float(v)
            return (v > 0 ? -2 : -1, [score])
        }
        var values = Array(s.values[(r * classes)..<((r + 1) * classes)])
        var flags = Array(has[(r * classes)..<((r + 1) * classes)])
        if classes > 2 {
            for k in 0..<base.count {
                if flags[k] { values[k] += T(base[k]) } else { flags[k] = true; values[k] = T(base[k]) }
            }
            var best = -1
            for k in 0..<classes where flags[k] && (best < 0 || values[k] > values[best]) { best = k }
            var row = (0..<classes).map { flags[$0] ? Float(values[$0]) : 0 }
            row.withUnsafeMutableBufferPointer { transform.apply($0) }
            return (max(best, 0), row)
        }
        // Two classes.
        var size = 2
        if base.count == 2 {
            if flags[1] {
                values[1] = T(base[1]) + values[0]
                values[0] = -values[1]
            } else {
                values[1] += T(base[1])
                values[0] += T(base[0])
            }
        } else {
            if base.count == 1 { values[0] += T(base[0]) }
            if !flags[1] { size = 1 }
        }
        let positive: T = size == 2 && flags[1] ? values[1] : (flags[0] ? values[0] : 0)
        var pick: Int
        var second = -1  // onnxruntime's write_additional_scores
        if binaryCase {
            if weightsAllPositive {
                (pick, second) = positive > 0.5 ? (1, 0) : (0, 1)
            } else {
                (pick, second) = positive > 0 ? (1, 2) : (0, 3)
            }
        } else {
            pick = positive > 0 ? -2 : -1
        }
        if size == 2 {
            var row = (0..<2).map { flags[$0] ? Float(values[$0]) : 0 }
            row.withUnsafeMutableBufferPointer { transform.apply($0) }
            return (pick, row)
        }
        let v = flags[0] ? Float(values[0]) : 0
        if transform == .probit {
            // onnxruntime leaves the second column unwritten here; it is 0 in this runtime.
            return (pick, [MLMath.probit(v), 0])
        }
        switch second {
        case 0, 1:
            let p = transform == .logistic ? MLMath.logistic(v) : v
            return (pick, [1 - p, p])
        default:
            // Margins (2, 3), and also two class ids of which only the first scored (-1).
            if transform == .logistic { return (pick, [MLMath.logistic(-v), MLMath.logistic(v)]) }
            return (pick, [-v, v])
        }
    }
}
