/// Operators that change only the shape, never the elements: `Identity`, `Reshape`,
/// `Flatten`, `Squeeze`, `Unsqueeze`, and `Shape` (which reads it).
enum ShapeOperators {
    static func register(into registry: inout OperatorRegistry) {
        registry.register("Identity", since: 1) { ctx in
            try ctx.checkArity(inputs: 1...1, outputs: 1...1)
            return IdentityOperator()
        }
        registry.register("Reshape", since: 1) { ctx in
            if ctx.opsetVersion < 5 {
                try ctx.checkArity(inputs: 1...1, outputs: 1...1)
                guard let shape = try ctx.attributes.ints("shape") else { throw ModelError.invalidModel("attribute 'shape' is required") }
                return ReshapeOperator(attributeShape: shape, allowZero: false)
            }
            try ctx.checkArity(inputs: 2...2, outputs: 1...1)
            return ReshapeOperator(attributeShape: nil, allowZero: try ctx.attributes.int("allowzero", default: 0) != 0)
        }
        registry.register("Flatten", since: 1) { ctx in
            try ctx.checkArity(inputs: 1...1, outputs: 1...1)
            return FlattenOperator(axis: try ctx.attributes.int("axis", default: 1))
        }
        registry.register("Squeeze", since: 1) { ctx in
            if ctx.opsetVersion < 13 {
                try ctx.checkArity(inputs: 1...1, outputs: 1...1)
                return SqueezeOperator(attributeAxes: try ctx.attributes.ints("axes"), axesFromInput: false)
            }
            try ctx.checkArity(inputs: 1...2, outputs: 1...1)
            return SqueezeOperator(attributeAxes: nil, axesFromInput: true)
        }
        registry.register("Unsqueeze", since: 1) { ctx in
            if ctx.opsetVersion < 13 {
                try ctx.checkArity(inputs: 1...1, outputs: 1...1)
                guard let axes = try ctx.attributes.ints("axes") else { throw ModelError.invalidModel("attribute 'axes' is required") }
                return UnsqueezeOperator(attributeAxes: axes)
            }
            try ctx.checkArity(inputs: 2...2, outputs: 1...1)
            return UnsqueezeOperator(attributeAxes: nil)
        }
        registry.register("Shape", since: 1) { ctx in
            try ctx.checkArity(inputs: 1...1, outputs: 1...1)
            let ranged = ctx.opsetVersion >= 15
            return ShapeOperator(start: ranged ? try ctx.attributes.int("start", default: 0) : 0,
                                 end: ranged ? try ctx.attributes.int("end") : nil)
        }
    }
}

/// `Identity`: the input, unchanged (tensors, sequences, maps).
struct IdentityOperator: Operator {
    var forwardsInput: Bool { true }

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        guard let x = inputs.first ?? nil else { throw ModelError.invalidModel("input is missing") }
        return [x]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        guard let v = inputs.values.first ?? nil else { throw ModelError.runtime("input is missing") }
        return [v]
    }
}

/// `Reshape`: 0 copies the input dimension (unless `allowzero`), -1 is inferred.
struct ReshapeOperator: Operator {
    var forwardsInput: Bool { true }

    let attributeShape: [Int]?
    let allowZero: Bool

    /// The output shape for `input` and the requested `shape`.
    static func resolve(_ input: [Int], _ shape: [Int], allowZero: Bool) throws -> [Int] {
        var out = shape
        var inferred: Int? = nil
        for (i, d) in shape.enumerated() {
            if d == -1 {
                guard inferred == nil else { throw ModelError.runtime("shape \(shape) has more than one -1") }
                inferred = i
            } else if d == 0 && !allowZero {
                guard i < input.count else { throw ModelError.runtime("shape \(shape) copies dimension \(i), which input \(input) lacks") }
                out[i] = input[i]
            } else if d < 0 {
                throw ModelError.runtime("shape \(shape) has an invalid dimension \(d)")
            }
        }
        if allowZero && inferred != nil && shape.contains(0) {
            throw ModelError.runtime("shape \(shape) has both 0 and -1 with allowzero=1")
        }
        guard let total = Tensor.elementCount(of: input) else { throw ModelError.runtime("invalid input shape \(input)") }
        if let i = inferred {
            var known = 1
            for (j, d) in out.enumerated() where j != i {
                let (p, o) = known.multipliedReportingOverflow(by: d)
                guard !o else { throw ModelError.runtime("shape \(shape) overflows") }
                known = p
            }
            guard known > 0, total % known == 0 else {
                throw ModelError.runtime("cannot reshape \(input) (\(total) elements) to \(shape)")
            }
            out[i] = total / known
        }
        guard Tensor.elementCount(of: out) == total else {
            throw ModelError.runtime("cannot reshape \(input) (\(total) elements) to \(shape)")
        }
        return out
    }

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "data")
        guard let target = attributeShape ?? OpSupport.constantInts(inputs.count > 1 ? inputs[1] : nil) else {
            if attributeShape == nil {
                let s = try OpSupport.tensorFact(inputs, 1, "shape")
                try OpSupport.check(s.type, in: [.int64], "shape")
                if let sd = s.shape, sd.count == 1, case .fixed(let r) = sd[0] {
                    return [ValueFact(x.type, OpSupport.unknownDims(r))]
                }
            }
            return [ValueFact(x.type, nil)]
        }
        if let dims = x.shape, dims.allSatisfy({ $0.fixedValue != nil }) {
            let out = try ReshapeOperator.resolve(dims.compactMap(\.fixedValue), target, allowZero: allowZero)
            return [ValueFact(x.type, OpSupport.fixed(out))]
        }
        // Partially known input: copied dims keep their (maybe symbolic) value, -1 stays unknown.
        var out: [Dimension] = []
        for (i, d) in target.enumerated() {
            if d == 0 && !allowZero, let dims = x.shape, i < dims.count { out.append(dims[i]) } else if d < 0 { out.append(.unknown) } else { out.append(.fixed(d)) }
        }
        return [ValueFact(x.type, out)]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        var x = try inputs.takeTensor(0)
        let target = try attributeShape ?? OpSupport.ints(try inputs.tensor(1), "shape")
        let out = try ReshapeOperator.resolve(x.shape, target, allowZero: allowZero)
        try inputs.checkOutput(out)
        x.setShapeUnchecked(out)
        return [.tensor(x)]
    }
}

/// `Flatten`: to 2-D `[prod(d[..<axis]), prod(d[axis...])]`.
struct FlattenOperator: Operator {
    var forwardsInput: Bool { true }

    let axis: Int

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "input")
        guard let dims = x.shape else { return [ValueFact(x.type, [.unknown, .unknown])] }
        guard axis >= -dims.count, axis <= dims.count else {
            throw ModelError.invalidModel("axis \(axis) is out of range for rank \(dims.count)")
        }
        let a = axis < 0 ? axis + dims.count : axis
        func product(_ part: ArraySlice<Dimension>) -> Dimension {
            if part.isEmpty { return .fixed(1) }
            if part.count == 1 { return part[part.startIndex] }
            var p = 1
            for d in part { guard case .fixed(let n) = d else { return .unknown }; p = p &* n }
            return .fixed(p)
        }
        return [ValueFact(x.type, [product(dims[..<a]), product(dims[a...])])]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        var x = try inputs.takeTensor(0)
        guard axis >= -x.rank, axis <= x.rank else { throw ModelError.runtime("axis \(axis) is out of range for rank \(x.rank)") }
        let a = axis < 0 ? axis + x.rank : axis
        let outer = x.shape[..<a].reduce(1, *)
        x.setShapeUnchecked([outer, outer == 0 ? x.shape[a...].reduce(1, *) : x.elementCount / outer])
        return [.tensor(x)]
    }
}

/// `Squeeze`: removes the given size-1 axes, or all size-1 axes when none are given.
struct SqueezeOperator: Operator {
    var forwardsInput: Bool { true }

    let attributeAxes: [Int]?
    let axesFromInput: Bool

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "data")
        let axes: [Int]?
        if axesFromInput, inputs.count > 1, inputs[1] != nil {
            guard let c = OpSupport.constantInts(inputs[1]) else { return [ValueFact(x.type, nil)] }
            axes = c
        } else {
            axes = attributeAxes
        }
        guard let dims = x.shape else { return [ValueFact(x.type, nil)] }
        guard let axes else {
            if dims.contains(where: { $0.fixedValue == nil }) { return [ValueFact(x.type, nil)] }
            return [ValueFact(x.type, dims.filter { $0 != .fixed(1) })]
        }
        let normalized = try Set(axes.map { try OpSupport.normalize(axis: $0, rank: dims.count) })
        for a in normalized {
            if case .fixed(let n) = dims[a], n != 1 {
                throw ModelError.invalidModel("cannot squeeze axis \(a) of size \(n) in shape \(ValueType.describe(dims))")
            }
        }
        return [ValueFact(x.type, dims.enumerated().filter { !normalized.contains($0.offset) }.map(\.element))]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        var x = try inputs.takeTensor(0)
        var axes = attributeAxes
        if axesFromInput, let t = try inputs.optionalTensor(1) { axes = try OpSupport.ints(t, "axes") }
        let shape = x.shape
        let out: [Int]
        if let axes {
            let normalized = try Set(axes.map { try OpSupport.runtimeAxis($0, rank: shape.count) })
            for a in normalized where shape[a] != 1 {
                throw ModelError.runtime("cannot squeeze axis \(a) of size \(shape[a]) in shape \(shape)")
            }
            out = shape.enumerated().filter { !normalized.contains($0.offset) }.map(\.element)
        } else {
            out = shape.filter { $0 != 1 }
        }
        x.setShapeUnchecked(out)
        return [.tensor(x)]
    }
}

/// `Unsqueeze`: inserts size-1 axes at the given positions of the output.
struct UnsqueezeOperator: Operator {
    var forwardsInput: Bool { true }

    let attributeAxes: [Int]?

    static func positions(_ axes: [Int], outRank: Int) throws -> Set<Int> {
        var set = Set<Int>()
        for a in axes {
            guard a >= -outRank, a < outRank else { throw ModelError.runtime("axis \(a) is out of range for output rank \(outRank)") }
            guard set.insert(a < 0 ? a + outRank : a).inserted else { throw ModelError.runtime("axis \(a) is repeated in \(axes)") }
        }
        return set
    }

    static func insert<T>(_ dims: [T], _ one: T, _ positions: Set<Int>) -> [T] {
        var out: [T] = []
        var it = dims.makeIterator()
        for i in 0..<(dims.count + positions.count) {
            if positions.contains(i) { out.append(one) } else if let d = it.next() { out.append(d) }
        }
        return out
    }

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "data")
        guard let axes = attributeAxes ?? OpSupport.constantInts(inputs.count > 1 ? inputs[1] : nil), let dims = x.shape else {
            return [ValueFact(x.type, nil)]
        }
        do {
            let pos = try UnsqueezeOperator.positions(axes, outRank: dims.count + axes.count)
            return [ValueFact(x.type, UnsqueezeOperator.insert(dims, .fixed(1), pos))]
        } catch let e as ModelError {
            throw ModelError.invalidModel(e.message)
        }
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        var x = try inputs.takeTensor(0)
        let axes = try attributeAxes ?? OpSupport.ints(try inputs.tensor(1), "axes")
        let outRank = x.rank + axes.count
        guard outRank <= inputs.limits.maxRank else { throw ModelError.limit("output rank \(outRank) is above the limit") }
        let pos = try UnsqueezeOperator.positions(axes, outRank: outRank)
        x.setShapeUnchecked(UnsqueezeOperator.insert(x.shape, 1, pos))
        return [.tensor(x)]
    }
}

/// `Shape`: the input's dimensions as int64, optionally sliced by `start`/`end` (opset 15).
struct ShapeOperator: Operator {
    let start: Int
    let end: Int?

    func range(rank: Int) -> Range<Int> {
        func clamp(_ v: Int) -> Int { min(max(v < 0 ? v + rank : v, 0), rank) }
        let s = clamp(start), e = clamp(end ?? rank)
        return s..<max(s, e)
    }

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "data")
        guard let dims = x.shape else { return [ValueFact(.int64, [.unknown])] }
        let part = Array(dims[range(rank: dims.count)])
        let known = part.compactMap(\.fixedValue)
        if known.count == part.count {
            return [ValueFact(constant: Tensor(unchecked: [known.count], .int64(known.map { Int64($0) })))]
        }
        return [ValueFact(.int64, [.fixed(part.count)])]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        guard let v = inputs.values.first ?? nil, case .tensor(let x) = v else { throw ModelError.runtime("input is missing") }
        let part = x.shape[range(rank: x.rank)].map { Int64($0) }
        return [.tensor(Tensor(unchecked: [part.count], .int64(part)))]
    }
}
