/// `TreeEnsembleRegressor`, `TreeEnsembleClassifier` (ml opsets 1 and 3, deprecated in 5) and
/// `TreeEnsemble` (ml opset 5).
///
/// Where the operator pages are silent the results follow onnxruntime
/// (`core/providers/cpu/ml/tree_ensemble_aggregator.h`): leaf values are accumulated in the
/// threshold type (float, or double for double inputs) tree by tree; a single-target
/// ensemble takes each leaf's first weight and applies only PROBIT; a target or class that
/// no leaf reached reads 0 before the transform; the two-class special cases (one class id,
/// one or two base values) are reproduced, including the raw labels 0/1 onnxruntime writes
/// when a two-class ensemble has weights for both classes.
enum TreeEnsembleOperators {
    static let domain = "ai.onnx.ml"

    static func register(into registry: inout OperatorRegistry) {
        for since in [1, 3] {
            registry.register("TreeEnsembleRegressor", domain: domain, since: since) { ctx in
                try deprecatedCheck(ctx)
                try ctx.checkArity(inputs: 1...1, outputs: 1...1)
                return try TreeRegressorOperator(ctx)
            }
            registry.register("TreeEnsembleClassifier", domain: domain, since: since) { ctx in
                try deprecatedCheck(ctx)
                try ctx.checkArity(inputs: 1...1, outputs: 1...2)
                return try TreeClassifierOperator(ctx)
            }
        }
        registry.register("TreeEnsemble", domain: domain, since: 5) { ctx in
            try ctx.checkArity(inputs: 1...1, outputs: 1...1)
            return try TreeEnsembleV5Operator(ctx)
        }
    }

    /// The v1/v3 operators are deprecated in ml opset 5 (replaced by `TreeEnsemble`); onnxruntime refuses them there.
    private static func deprecatedCheck(_ ctx: NodeContext) throws {
        guard ctx.opsetVersion < 5 else {
            throw ModelError.invalidModel("\(ctx.opType) is deprecated in ai.onnx.ml opset \(ctx.opsetVersion); use TreeEnsemble")
        }
    }
}

/// The compiled trees of one node, for float evaluation and (when the input is double) double.
struct CompiledTrees: Sendable {
    let ensemble: TreeEnsemble
    let single: TreeEnsemble.Layout<Float>
    var double: TreeEnsemble.Layout<Double>?

    init(_ ensemble: TreeEnsemble) throws {
        self.ensemble = ensemble
        self.single = try TreeEnsemble.Layout<Float>(ensemble)
    }

    /// Compiles the double layout when the input is double (thresholds and sums in double, as onnxruntime does).
    func prepared(for type: DataType) throws -> CompiledTrees {
        var copy = self
        if type == .double && double == nil { copy.double = try TreeEnsemble.Layout<Double>(ensemble) }
        return copy
    }

    /// Throws at load when the input's feature count is known and a split reads beyond it.
    func checkColumns(_ columns: Dimension) throws {
        if case .fixed(let c) = columns, single.maxFeature >= c {
            throw ModelError.invalidModel("a tree reads feature \(single.maxFeature) but input X has \(c) features")
        }
    }

    /// Evaluates `x` (`[C]` or `[N, C]`): double inputs on the double layout, others in float.
    func scores(_ x: Tensor, aggregate: TreeEnsemble.Aggregate, limits: ModelLimits) throws -> AnyTreeScores {
        let (rows, columns) = try MLSupport.matrixShape(x.shape)
        guard single.maxFeature < columns else {
            throw ModelError.runtime("a tree reads feature \(single.maxFeature) but input X has \(columns) features")
        }
        try limits.check(shape: [rows, max(single.targetCount, 1)], "output scores")
        if case .double(let v) = x.storage, let layout = double {
            return .double(Self.run(layout, v, rows, columns, aggregate), rows: rows)
        }
        return .float(Self.run(single, try MLSupport.floats(x), rows, columns, aggregate), rows: rows)
    }

    private static func run<T>(_ layout: TreeEnsemble.Layout<T>, _ v: [T], _ rows: Int, _ columns: Int,
                               _ aggregate: TreeEnsemble.Aggregate) -> TreeEnsemble.Scores<T> {
        // Leaves read feature 0 while they loop in place: give a zero-width input one column.
        let data = columns == 0 ? [T](repeating: 0, count: max(rows, 1)) : v
        let width = max(columns, 1)
        return data.withUnsafeBufferPointer { p in
            guard let base = p.baseAddress, rows > 0 else {
                return TreeEnsemble.Scores(values: [], has: layout.targetCount == 1 ? nil : [], width: max(layout.targetCount, 1))
            }
            return layout.evaluate(base, rows: rows, columns: width, aggregate: aggregate)
        }
    }

    /// Regression values before the transform, in the accumulation type (onnxruntime
    /// `FinalizeScores1` / `FinalizeScores`): the average divides by the tree count, base values
    /// are added (one value to a single target, one per target otherwise), and a target no leaf
    /// reached reads 0.
    func regression<T: TreeFloat>(_ s: TreeEnsemble.Scores<T>, aggregate: TreeEnsemble.Aggregate, base: [Double]) -> [T] {
        let trees = T(Double(single.treeCount))
        let divide = aggregate == .average && single.treeCount > 0
        guard let has = s.has else {
            let origin = T(base.count == 1 ? base[0] : 0)
            return s.values.map { raw in (divide ? raw / trees : raw) + origin }
        }
        let width = s.width
        let useBase = base.count == width
        var out = [T](repeating: 0, count: s.values.count)
        for i in 0..<s.values.count where has[i] {
            var v = s.values[i]
            if divide { v /= trees }
            if useBase { v += T(base[i % width]) }
            out[i] = v
        }
        return out
    }

    /// Applies `transform` as onnxruntime's regressors do: a single target only takes PROBIT,
    /// several targets take any transform per row.
    static func transformed<T: TreeFloat & MathFloat>(_ values: [T], width: Int, _ transform: PostTransform) -> [Float] {
        transformed(values.map { Float($0) }, width: width, transform)
    }

    /// The float form transforms in place (no copy of the scores).
    static func transformed(_ values: [Float], width: Int, _ transform: PostTransform) -> [Float] {
        var out = values
        if width == 1 {
            if transform == .probit {
                for i in out.indices { out[i] = MLMath.probit(out[i]) }
            }
            return out
        }
        guard transform != .none else { return out }
        out.withUnsafeMutableBufferPointer { o in
            guard let base = o.baseAddress else { return }
            var r = 0
            while r + width <= o.count {
                transform.apply(UnsafeMutableBufferPointer(start: base + r, count: width))
                r += width
            }
        }
        return out
    }
}

/// Tree scores in the accumulation type of the input (float, or double for double inputs).
enum AnyTreeScores {
    case float(TreeEnsemble.Scores<Float>, rows: Int)
    case double(TreeEnsemble.Scores<Double>, rows: Int)

    var rows: Int {
        switch self {
        case .float(_, let r), .double(_, let r): return r
        }
    }
}

/// `TreeEnsembleRegressor`: Y = aggregate of leaf weights per target, float [N, n_targets].
struct TreeRegressorOperator: Operator {
    let trees: CompiledTrees
    let aggregate: TreeEnsemble.Aggregate
    let base: [Double]
    let transform: PostTransform

    init(_ ctx: NodeContext) throws {
        let a = ctx.attributes
        let targets = try a.int("n_targets", default: 1)
        guard targets >= 1 else { throw ModelError.invalidModel("attribute 'n_targets' must be >= 1, got \(targets)") }
        try MLSupport.checkCount(targets, "attribute 'n_targets'", ctx.limits)
        aggregate = try TreeEnsemble.Aggregate(name: try a.string("aggregate_function") ?? "SUM")
        transform = try PostTransform.attribute(a)
        base = try MLSupport.floatsOrTensor(a, "base_values") ?? []
        guard base.isEmpty || base.count == targets else {
            throw ModelError.invalidModel("attribute 'base_values' has \(base.count) entries; expected 0 or n_targets (\(targets))")
        }
        trees = try CompiledTrees(try TreeEnsemble(v3: a, weightPrefix: "target", targetCount: targets, limits: ctx.limits))
    }

    private init(_ other: TreeRegressorOperator, trees: CompiledTrees) {
        self.trees = trees
        aggregate = other.aggregate
        base = other.base
        transform = other.transform
    }

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "X")
        try OpSupport.check(x.type, in: MLSupport.predictorTypes, "X")
        let (batch, columns) = try MLSupport.matrixFact(x.shape)
        try trees.checkColumns(columns)
        return [ValueFact(.float, [batch, .fixed(trees.single.targetCount)])]
    }

    func prepared(_ inputs: [ValueFact?]) throws -> any Operator {
        guard let type = inputs.first??.type.tensorElementType else { return self }
        return TreeRegressorOperator(self, trees: try trees.prepared(for: type))
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let width = trees.single.targetCount
        let out: [Float]
        let scores = try trees.scores(try inputs.tensor(0), aggregate: aggregate, limits: inputs.limits)
        switch scores {
        case .float(let s, _): out = CompiledTrees.transformed(trees.regression(s, aggregate: aggregate, base: base), width: width, transform)
        case .double(let s, _): out = CompiledTrees.transformed(trees.regression(s, aggregate: aggregate, base: base), width: width, transform)
        }
        return [.tensor(Tensor(unchecked: [scores.rows, width], .float(out)))]
    }
}

/// `TreeEnsemble` (ml opset 5): Y of the input's type [N, n_targets]. `post_transform` and
/// `aggregate_function` are the integer codes of the operator page.
struct TreeEnsembleV5Operator: Operator {
    let trees: CompiledTrees
    let aggregate: TreeEnsemble.Aggregate
    let transform: PostTransform
    let splitType: DataType

    init(_ ctx: NodeContext) throws {
        let a = ctx.attributes
        guard let targets = try a.int("n_targets"), targets >= 1 else {
            throw ModelError.invalidModel("attribute 'n_targets' is required and must be >= 1")
        }
        try MLSupport.checkCount(targets, "attribute 'n_targets'", ctx.limits)
        switch try a.int("aggregate_function", default: 1) {
        case 0: aggregate = .average
        case 1: aggregate = .sum
        case 2: aggregate = .min
        case 3: aggregate = .max
        case let code: throw ModelError.invalidModel("attribute 'aggregate_function' is \(code); expected 0 (AVERAGE) to 3 (MAX)")
        }
        transform = try PostTransform(code: try a.int("post_transform", default: 0))
        splitType = try a.tensor("nodes_splits")?.dataType ?? .float
        trees = try CompiledTrees(try TreeEnsemble(v5: a, targetCount: targets, limits: ctx.limits))
    }

    private init(_ other: TreeEnsembleV5Operator, trees: CompiledTrees) {
        self.trees = trees
        aggregate = other.aggregate
        transform = other.transform
        splitType = other.splitType
    }

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "X")
        try OpSupport.check(x.type, in: OpSupport.floatTypes, "X")
        guard x.type == splitType else {
            throw ModelError.invalidModel("attribute 'nodes_splits' has type \(splitType) but input X has type \(x.type); they must match")
        }
        let (batch, columns) = try MLSupport.matrixFact(x.shape)
        try trees.checkColumns(columns)
        return [ValueFact(x.type, [batch, .fixed(trees.single.targetCount)])]
    }

    func prepared(_ inputs: [ValueFact?]) throws -> any Operator {
        guard let type = inputs.first??.type.tensorElementType else { return self }
        return TreeEnsembleV5Operator(self, trees: try trees.prepared(for: type))
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let x = try inputs.tensor(0)
        let width = trees.single.targetCount
        let scores = try trees.scores(x, aggregate: aggregate, limits: inputs.limits)
        let shape = [scores.rows, width]
        switch scores {
        case .double(let s, _):
            let values = trees.regression(s, aggregate: aggregate, base: [])
            // Without a transform the double sums are returned as they are.
            if transform == .none { return [.tensor(Tensor(unchecked: shape, .double(values)))] }
            let out = CompiledTrees.transformed(values, width: width, transform)
            return [.tensor(Tensor(unchecked: shape, .double(out.map { Double($0) })))]
        case .float(let s, _):
            let out = CompiledTrees.transformed(trees.regression(s, aggregate: aggregate, base: []), width: width, transform)
            if x.dataType == .float16 { return [.tensor(Tensor(unchecked: shape, .float16(Half.fromFloat(out))))] }
            return [.tensor(Tensor(unchecked: shape, .float(out)))]
        }
    }
}
