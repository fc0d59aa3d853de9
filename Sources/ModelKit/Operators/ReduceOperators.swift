/// `ReduceSum`, `ReduceMean`, `ReduceMax`, `ReduceMin` (axes as an attribute before
/// ReduceSum-13 / Reduce{Mean,Max,Min}-18, as an optional input after, with
/// `noop_with_empty_axes`), and `ArgMax`, `ArgMin`.
enum ReduceOperators {
    static func register(into registry: inout OperatorRegistry) {
        for (name, kind, inputSince) in [("ReduceSum", Reduction.sum, 13), ("ReduceMean", .mean, 18),
                                         ("ReduceMax", .max, 18), ("ReduceMin", .min, 18)] {
            registry.register(name, since: 1) { ctx in
                let axesInput = ctx.opsetVersion >= inputSince
                try ctx.checkArity(inputs: axesInput ? 1...2 : 1...1, outputs: 1...1)
                return ReduceOperator(
                    kind: kind,
                    attributeAxes: axesInput ? nil : try ctx.attributes.ints("axes"),
                    keepDims: try ctx.attributes.int("keepdims", default: 1) != 0,
                    noopWithEmptyAxes: try axesInput && (ctx.attributes.int("noop_with_empty_axes", default: 0) != 0),
                    opset: ctx.opsetVersion)
            }
        }
        for (name, isMax) in [("ArgMax", true), ("ArgMin", false)] {
            registry.register(name, since: 1) { ctx in
                try ctx.checkArity(inputs: 1...1, outputs: 1...1)
                return ArgOperator(
                    isMax: isMax, axis: try ctx.attributes.int("axis", default: 0),
                    keepDims: try ctx.attributes.int("keepdims", default: 1) != 0,
                    selectLast: try ctx.attributes.int("select_last_index", default: 0) != 0)
            }
        }
    }
}

enum Reduction: Sendable { case sum, mean, max, min }

/// The axes a reduction runs over and the shapes involved.
struct ReducePlan {
    let reduced: [Bool]
    let outShape: [Int]
    let keptShape: [Int]

    init(shape: [Int], axes: [Int]?, keepDims: Bool) throws {
        let rank = shape.count
        var reduced = Array(repeating: axes == nil, count: rank)
        for a in axes ?? [] { reduced[try OpSupport.runtimeAxis(a, rank: rank)] = true }
        self.reduced = reduced
        keptShape = (0..<rank).map { reduced[$0] ? 1 : shape[$0] }
        outShape = keepDims ? keptShape : (0..<rank).filter { !reduced[$0] }.map { shape[$0] }
    }

    /// For each input element (row-major), the output element it folds into.
    func targets(_ shape: [Int]) -> [Int] {
        Broadcast.sourceIndices(keptShape, in: shape)
    }
}

struct ReduceOperator: Operator {
    let kind: Reduction
    let attributeAxes: [Int]?
    let keepDims: Bool
    let noopWithEmptyAxes: Bool
    let opset: Int

    func allowed() -> Set<DataType> {
        var types: Set<DataType> = [.float, .double, .float16, .int32, .int64, .uint32, .uint64]
        if (kind == .max || kind == .min) && opset >= 12 { types.formUnion([.int8, .uint8]) }
        if (kind == .max || kind == .min) && opset >= 20 { types.insert(.bool) }
        return types
    }

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "data")
        try OpSupport.check(x.type, in: allowed(), "data")
        var axes = attributeAxes
        if attributeAxes == nil, inputs.count > 1, let f = inputs[1] {
            try OpSupport.check(try f.elementType(), in: [.int64], "axes")
            guard let c = OpSupport.constantInts(f) else { return [ValueFact(x.type, keepDims ? x.shape.map { OpSupport.unknownDims($0.count) } : nil)] }
            axes = c
        }
        guard let dims = x.shape else { return [ValueFact(x.type, nil)] }
        if let a = axes, a.isEmpty { axes = nil }
        if axes == nil && noopWithEmptyAxes { return [ValueFact(x.type, dims)] }
        var reduced = Array(repeating: axes == nil, count: dims.count)
        for a in axes ?? [] { reduced[try OpSupport.normalize(axis: a, rank: dims.count)] = true }
        let out: [Dimension] = keepDims ? (0..<dims.count).map { reduced[$0] ? .fixed(1) : dims[$0] }
                                        : (0..<dims.count).filter { !reduced[$0] }.map { dims[$0] }
        return [ValueFact(x.type, out)]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let x = try inputs.tensor(0)
        var axes = attributeAxes
        if attributeAxes == nil, let t = try inputs.optionalTensor(1) { axes = try OpSupport.ints(t, "axes") }
        if let a = axes, a.isEmpty { axes = nil }
        if axes == nil && noopWithEmptyAxes { return [.tensor(x)] }
        let plan = try ReducePlan(shape: x.shape, axes: axes, keepDims: keepDims)
        let outCount = plan.outShape.reduce(1, *)
        let targets = plan.targets(x.shape)
        let groupSize = outCount == 0 ? 0 : x.elementCount / outCount
        let storage: TensorStorage
        switch x.storage {
        case .float(let v): storage = .float(floating(v.map { Double($0) }, targets, outCount, groupSize).map { Float($0) })
        case .double(let v): storage = .double(floating(v, targets, outCount, groupSize))
        case .float16(let v): storage = .float16(Half.fromFloat(floating(Half.toFloat(v).map { Double($0) }, targets, outCount, groupSize).map { Float($0) }))
        case .int32(let v): storage = .int32(integer(v, targets, outCount, groupSize))
        case .int64(let v): storage = .int64(integer(v, targets, outCount, groupSize))
        case .uint32(let v): storage = .uint32(integer(v, targets, outCount, groupSize))
        case .uint64(let v): storage = .uint64(integer(v, targets, outCount, groupSize))
        case .int8(let v): storage = .int8(integer(v, targets, outCount, groupSize))
        case .uint8(let v): storage = .uint8(integer(v, targets, outCount, groupSize))
        case .bool(let v):
            // max over bools is "any", min is "all"; the empty max is false and the empty min true.
            let r = integer(v.map { UInt8($0 ? 1 : 0) }, targets, outCount, groupSize)
            storage = .bool(r.map { $0 != 0 })
        default: throw ModelError.runtime("unsupported input type \(x.dataType)")
        }
        return [.tensor(Tensor(unchecked: plan.outShape, storage))]
    }

    /// Float reductions accumulate in Double; the empty max is -inf, the empty min +inf, the
    /// empty mean NaN (0/0), the empty sum 0.
    private func floating(_ v: [Double], _ targets: [Int], _ outCount: Int, _ groupSize: Int) -> [Double] {
        var out: [Double]
        switch kind {
        case .sum, .mean: out = Array(repeating: 0, count: outCount)
        case .max: out = Array(repeating: -.infinity, count: outCount)
        case .min: out = Array(repeating: .infinity, count: outCount)
        }
        for i in 0..<v.count {
            let t = targets[i]
            switch kind {
            case .sum, .mean: out[t] += v[i]
            case .max: if v[i] > out[t] || v[i].isNaN { out[t] = v[i] }
            case .min: if v[i] < out[t] || v[i].isNaN { out[t] = v[i] }
            }
        }
        if kind == .mean { for i in 0..<outCount { out[i] /= Double(groupSize) } }
        return out
    }

    private func integer<T: FixedWidthInteger>(_ v: [T], _ targets: [Int], _ outCount: Int, _ groupSize: Int) -> [T] {
        var out: [T]
        switch kind {
        case .sum, .mean: out = Array(repeating: 0, count: outCount)
        case .max: out = Array(repeating: T.min, count: outCount)
        case .min: out = Array(repeating: T.max, count: outCount)
        }
        for i in 0..<v.count {
            let t = targets[i]
            switch kind {
            case .sum, .mean: out[t] = out[t] &+ v[i]
            case .max: if v[i] > out[t] { out[t] = v[i] }
            case .min: if v[i] < out[t] { out[t] = v[i] }
            }
        }
        if kind == .mean {
            // A group larger than T can count makes every mean round to 0 (|sum| < group).
            guard let g = T(exactly: groupSize), g != 0 else { return Array(repeating: 0, count: outCount) }
            for i in 0..<outCount { out[i] = out[i].dividedReportingOverflow(by: g).partialValue }
        }
        return out
    }
}

/// `ArgMax` / `ArgMin` along `axis`: int64 indices, first (or last) of equal extremes.
struct ArgOperator: Operator {
    let isMax: Bool
    let axis: Int
    let keepDims: Bool
    let selectLast: Bool

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "data")
        try OpSupport.check(x.type, in: OpSupport.numericTypes, "data")
        guard let dims = x.shape else { return [ValueFact(.int64, nil)] }
        let a = try OpSupport.normalize(axis: axis, rank: dims.count)
        var out = dims
        if keepDims { out[a] = .fixed(1) } else { out.remove(at: a) }
        return [ValueFact(.int64, out)]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let x = try inputs.tensor(0)
        let a = try OpSupport.runtimeAxis(axis, rank: x.rank)
        let length = x.shape[a]
        guard length > 0 else { throw ModelError.runtime("cannot take an arg-extreme over an empty axis") }
        let outer = x.shape[..<a].reduce(1, *)
        let inner = x.shape[(a + 1)...].reduce(1, *)
        var outShape = x.shape
        if keepDims { outShape[a] = 1 } else { outShape.remove(at: a) }
        let result: [Int64]
        switch x.storage {
        case .float(let v): result = pick(v, outer, length, inner)
        case .double(let v): result = pick(v, outer, length, inner)
        case .float16(let v): result = pick(Half.toFloat(v), outer, length, inner)
        default:
            guard let v = x.int64Values() else { throw ModelError.runtime("unsupported input type \(x.dataType)") }
            if case .uint64(let u) = x.storage { result = pick(u, outer, length, inner) } else { result = pick(v, outer, length, inner) }
        }
        return [.tensor(Tensor(unchecked: outShape, .int64(result)))]
    }

    private func pick<T: Comparable>(_ v: [T], _ outer: Int, _ length: Int, _ inner: Int) -> [Int64] {
        var out = [Int64]()
        out.reserveCapacity(outer * inner)
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * length * inner + i
                var best = v[base]
                var bestIndex = 0
                for j in 1..<max(length, 1) {
                    let e = v[base + j * inner]
                    let better = isMax ? (selectLast ? e >= best : e > best) : (selectLast ? e <= best : e < best)
                    if better { best = e; bestIndex = j }
                }
                out.append(Int64(bestIndex))
            }
        }
        return out
    }
}
