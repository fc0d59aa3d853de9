/// Operators that move elements without computing: `Transpose`, `Concat`, `Gather`,
/// `Slice` (attributes before opset 10, inputs from 10) and `Where`.
enum DataMovementOperators {
    static func register(into registry: inout OperatorRegistry) {
        registry.register("Transpose", since: 1) { ctx in
            try ctx.checkArity(inputs: 1...1, outputs: 1...1)
            return TransposeOperator(perm: try ctx.attributes.ints("perm"))
        }
        registry.register("Concat", since: 1) { ctx in
            try ctx.checkArity(inputs: 1...Int.max, outputs: 1...1)
            let axis = try ctx.attributes.int("axis") ?? (ctx.opsetVersion < 4 ? 1 : nil)
            guard let axis else { throw ModelError.invalidModel("attribute 'axis' is required") }
            return ConcatOperator(axis: axis)
        }
        registry.register("Gather", since: 1) { ctx in
            try ctx.checkArity(inputs: 2...2, outputs: 1...1)
            return GatherOperator(axis: try ctx.attributes.int("axis", default: 0))
        }
        registry.register("Slice", since: 1) { ctx in
            if ctx.opsetVersion < 10 {
                try ctx.checkArity(inputs: 1...1, outputs: 1...1)
                guard let starts = try ctx.attributes.ints("starts"), let ends = try ctx.attributes.ints("ends") else {
                    throw ModelError.invalidModel("attributes 'starts' and 'ends' are required")
                }
                return SliceOperator(attributes: (starts, ends, try ctx.attributes.ints("axes")))
            }
            try ctx.checkArity(inputs: 3...5, outputs: 1...1)
            return SliceOperator(attributes: nil)
        }
        registry.register("Where", since: 9) { ctx in
            try ctx.checkArity(inputs: 3...3, outputs: 1...1)
            return WhereOperator()
        }
    }
}

struct TransposeOperator: Operator {
    let perm: [Int]?

    func permutation(rank: Int) throws -> [Int] {
        guard let perm else { return Array((0..<rank).reversed()) }
        guard perm.count == rank, Set(perm) == Set(0..<rank) else {
            throw ModelError.invalidModel("perm \(perm) is not a permutation of 0..<\(rank)")
        }
        return perm
    }

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "data")
        guard let dims = x.shape else { return [ValueFact(x.type, perm.map { OpSupport.unknownDims($0.count) })] }
        return [ValueFact(x.type, try permutation(rank: dims.count).map { dims[$0] })]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let x = try inputs.tensor(0)
        let p = try permutation(rank: x.rank)
        let outShape = p.map { x.shape[$0] }
        if p == Array(0..<x.rank) { return [.tensor(x)] }
        let inStrides = Tensor.strides(of: x.shape)
        let indices = Strided.indices(shape: outShape, strides: p.map { inStrides[$0] }, offset: 0)
        return [.tensor(Tensor(unchecked: outShape, x.storage.gathering(indices)))]
    }
}

/// Index generation for strided views (Transpose, Slice).
enum Strided {
    /// Source offsets of a view of `shape` whose axis `i` advances `strides[i]` from `offset`.
    static func indices(shape: [Int], strides: [Int], offset: Int) -> [Int] {
        let count = shape.reduce(1, *)
        guard count > 0 else { return [] }
        var result = [Int]()
        result.reserveCapacity(count)
        let rank = shape.count
        if rank == 0 { return [offset] }
        var index = Array(repeating: 0, count: rank)
        var position = offset
        let inner = shape[rank - 1], innerStride = strides[rank - 1]
        while result.count < count {
            var p = position
            for _ in 0..<inner {
                result.append(p)
                p += innerStride
            }
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                position += strides[axis]
                if index[axis] < shape[axis] { break }
                position -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
            if axis < 0 { break }
        }
        return result
    }
}

struct ConcatOperator: Operator {
    let axis: Int

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let first = try OpSupport.tensorFact(inputs, 0, "inputs[0]")
        var out = first.shape
        for i in 1..<inputs.count {
            let f = try OpSupport.tensorFact(inputs, i, "inputs[\(i)]")
            try OpSupport.checkSame(first.type, f.type, "inputs[0] and inputs[\(i)]")
            guard let o = out, let s = f.shape else { out = nil; continue }
            guard o.count == s.count else {
                throw ModelError.invalidModel("inputs have different ranks: \(ValueType.describe(o)) and \(ValueType.describe(s))")
            }
            let a = try OpSupport.normalize(axis: axis, rank: o.count)
            var merged = o
            for d in 0..<o.count {
                if d == a {
                    if case .fixed(let x) = o[d], case .fixed(let y) = s[d] { merged[d] = .fixed(x + y) } else { merged[d] = .unknown }
                } else if case .fixed(let x) = o[d], case .fixed(let y) = s[d], x != y {
                    throw ModelError.invalidModel("inputs differ outside axis \(a): \(ValueType.describe(o)) and \(ValueType.describe(s))")
                } else if o[d].fixedValue == nil {
                    merged[d] = s[d]
                }
            }
            out = merged
        }
        if let o = out { _ = try OpSupport.normalize(axis: axis, rank: o.count) }
        return [ValueFact(first.type, out)]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let tensors = try (0..<inputs.count).map { try inputs.tensor($0) }
        guard let first = tensors.first else { throw ModelError.runtime("no inputs") }
        let rank = first.rank
        let a = try OpSupport.runtimeAxis(axis, rank: rank)
        var outShape = first.shape
        outShape[a] = 0
        for t in tensors {
            guard t.rank == rank, t.dataType == first.dataType else {
                throw ModelError.runtime("inputs must share type and rank: \(first) and \(t)")
            }
            for d in 0..<rank where d != a && t.shape[d] != first.shape[d] {
                throw ModelError.runtime("inputs differ outside axis \(a): \(first.shape) and \(t.shape)")
            }
            outShape[a] += t.shape[a]
        }
        try inputs.checkOutput(outShape)
        let outer = first.shape[..<a].reduce(1, *)
        let inner = first.shape[(a + 1)...].reduce(1, *)
        let chunks = tensors.map { $0.shape[a] * inner }
        func join<T>(_ parts: [[T]]) -> [T] {
            var out = [T]()
            out.reserveCapacity(outShape.reduce(1, *))
            for o in 0..<outer {
                for (k, part) in parts.enumerated() where chunks[k] > 0 {
                    out.append(contentsOf: part[(o * chunks[k])..<((o + 1) * chunks[k])])
                }
            }
            return out
        }
        func all<T>(_ extract: (TensorStorage) -> [T]?) throws -> [T] {
            var parts: [[T]] = []
            for t in tensors {
                guard let v = extract(t.storage) else { throw ModelError.runtime("inputs must share one type") }
                parts.append(v)
            }
            return join(parts)
        }
        let storage: TensorStorage
        switch first.storage {
        case .float: storage = .float(try all { if case .float(let v) = $0 { v } else { nil } })
        case .double: storage = .double(try all { if case .double(let v) = $0 { v } else { nil } })
        case .float16: storage = .float16(try all { if case .float16(let v) = $0 { v } else { nil } })
        case .int8: storage = .int8(try all { if case .int8(let v) = $0 { v } else { nil } })
        case .int16: storage = .int16(try all { if case .int16(let v) = $0 { v } else { nil } })
        case .int32: storage = .int32(try all { if case .int32(let v) = $0 { v } else { nil } })
        case .int64: storage = .int64(try all { if case .int64(let v) = $0 { v } else { nil } })
        case .uint8: storage = .uint8(try all { if case .uint8(let v) = $0 { v } else { nil } })
        case .uint16: storage = .uint16(try all { if case .uint16(let v) = $0 { v } else { nil } })
        case .uint32: storage = .uint32(try all { if case .uint32(let v) = $0 { v } else { nil } })
        case .uint64: storage = .uint64(try all { if case .uint64(let v) = $0 { v } else { nil } })
        case .bool: storage = .bool(try all { if case .bool(let v) = $0 { v } else { nil } })
        case .string: storage = .string(try all { if case .string(let v) = $0 { v } else { nil } })
        }
        return [.tensor(Tensor(unchecked: outShape, storage))]
    }
}

struct GatherOperator: Operator {
    let axis: Int

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let data = try OpSupport.tensorFact(inputs, 0, "data")
        let idx = try OpSupport.tensorFact(inputs, 1, "indices")
        try OpSupport.check(idx.type, in: [.int32, .int64], "indices")
        guard let d = data.shape, let i = idx.shape else { return [ValueFact(data.type, nil)] }
        let a = try OpSupport.normalize(axis: axis, rank: d.count)
        return [ValueFact(data.type, Array(d[..<a]) + i + Array(d[(a + 1)...]))]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let data = try inputs.tensor(0)
        let indexTensor = try inputs.tensor(1)
        let a = try OpSupport.runtimeAxis(axis, rank: data.rank)
        let outShape = Array(data.shape[..<a]) + indexTensor.shape + Array(data.shape[(a + 1)...])
        try inputs.checkOutput(outShape)
        let dim = data.shape[a]
        let indices = try OpSupport.ints(indexTensor, "indices").map { i -> Int in
            guard i >= -dim, i < dim else { throw ModelError.runtime("index \(i) is out of range for axis \(a) of size \(dim)") }
            return i < 0 ? i + dim : i
        }
        let outer = data.shape[..<a].reduce(1, *)
        let inner = data.shape[(a + 1)...].reduce(1, *)
        var source = [Int]()
        source.reserveCapacity(outer * indices.count * inner)
        for o in 0..<outer {
            for i in indices {
                let base = (o * dim + i) * inner
                for k in 0..<inner { source.append(base + k) }
            }
        }
        return [.tensor(Tensor(unchecked: outShape, data.storage.gathering(source)))]
    }
}

struct SliceOperator: Operator {
    /// `(starts, ends, axes)` for opset < 10.
    let attributes: (starts: [Int], ends: [Int], axes: [Int]?)?

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "data")
        if attributes == nil {
            for (i, name) in [(1, "starts"), (2, "ends"), (3, "axes"), (4, "steps")] where i < inputs.count && inputs[i] != nil {
                try OpSupport.check(try OpSupport.tensorFact(inputs, i, name).type, in: [.int32, .int64], name)
            }
        }
        guard let dims = x.shape else { return [ValueFact(x.type, nil)] }
        let params: (starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?)?
        if let attributes {
            params = (attributes.starts, attributes.ends, attributes.axes, nil)
        } else if let s = OpSupport.constantInts(inputs[1]), let e = OpSupport.constantInts(inputs[2]) {
            let axes = inputs.count > 3 && inputs[3] != nil ? OpSupport.constantInts(inputs[3]) : []
            let steps = inputs.count > 4 && inputs[4] != nil ? OpSupport.constantInts(inputs[4]) : []
            if let axes, let steps { params = (s, e, axes.isEmpty ? nil : axes, steps.isEmpty ? nil : steps) } else { params = nil }
        } else {
            params = nil
        }
        guard let params else { return [ValueFact(x.type, OpSupport.unknownDims(dims.count))] }
        let axes = params.axes ?? Array(0..<params.starts.count)
        var out = dims
        for a in axes {
            let n = try OpSupport.normalize(axis: a, rank: dims.count)
            out[n] = .unknown
        }
        if dims.allSatisfy({ $0.fixedValue != nil }) {
            do {
                let plan = try SliceOperator.plan(dims.compactMap(\.fixedValue), params.starts, params.ends, params.axes, params.steps)
                return [ValueFact(x.type, OpSupport.fixed(plan.shape))]
            } catch let e as ModelError { throw ModelError.invalidModel(e.message) }
        }
        return [ValueFact(x.type, out)]
    }

    /// Per-axis start/step and the output shape, with ONNX's clamping rules (Slice-13).
    static func plan(_ shape: [Int], _ starts: [Int], _ ends: [Int], _ axes: [Int]?, _ steps: [Int]?) throws
        -> (shape: [Int], starts: [Int], steps: [Int]) {
        let rank = shape.count
        let axes = axes ?? Array(0..<starts.count)
        let steps = steps ?? Array(repeating: 1, count: starts.count)
        guard starts.count == ends.count, axes.count == starts.count, steps.count == starts.count else {
            throw ModelError.runtime("starts, ends, axes and steps must have the same length")
        }
        var outShape = shape
        var outStarts = Array(repeating: 0, count: rank)
        var outSteps = Array(repeating: 1, count: rank)
        var seen = Set<Int>()
        for k in 0..<axes.count {
            let a = try OpSupport.runtimeAxis(axes[k], rank: rank)
            guard seen.insert(a).inserted else { throw ModelError.runtime("axis \(axes[k]) is repeated") }
            let dim = shape[a], step = steps[k]
            guard step != 0 else { throw ModelError.runtime("steps must not be 0") }
            var start = starts[k] < 0 ? starts[k] &+ dim : starts[k]
            var end = ends[k] < 0 ? ends[k] &+ dim : ends[k]
            if step > 0 {
                start = min(max(start, 0), dim)
                end = min(max(end, 0), dim)
            } else {
                start = min(max(start, 0), dim - 1)
                end = min(max(end, -1), dim - 1)
            }
            let span = end - start
            // Elements from start toward end, `step` apart; computed on magnitudes so no
            // step (up to Int.min) can overflow.
            let count: Int
            if step > 0 {
                count = span > 0 ? 1 + Int((UInt(span) - 1) / step.magnitude) : 0
            } else {
                count = span < 0 ? 1 + Int((UInt(-span) - 1) / step.magnitude) : 0
            }
            outShape[a] = count
            outStarts[a] = start
            // One element or none: the step is irrelevant, and a huge one would overflow strides.
            outSteps[a] = count <= 1 ? 1 : step
        }
        return (outShape, outStarts, outSteps)
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let x = try inputs.tensor(0)
        let starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?
        if let attributes {
            (starts, ends, axes, steps) = (attributes.starts, attributes.ends, attributes.axes, nil)
        } else {
            starts = try OpSupport.ints(try inputs.tensor(1), "starts")
            ends = try OpSupport.ints(try inputs.tensor(2), "ends")
            axes = try inputs.optionalTensor(3).map { try OpSupport.ints($0, "axes") }
            steps = try inputs.optionalTensor(4).map { try OpSupport.ints($0, "steps") }
        }
        let p = try SliceOperator.plan(x.shape, starts, ends, axes, steps)
        let strides = Tensor.strides(of: x.shape)
        var offset = 0
        for a in 0..<x.rank { offset += p.starts[a] * strides[a] }
        let indices = Strided.indices(shape: p.shape, strides: (0..<x.rank).map { strides[$0] * p.steps[$0] }, offset: offset)
        return [.tensor(Tensor(unchecked: p.shape, x.storage.gathering(indices)))]
    }
}

/// `Where(condition, X, Y)`: elementwise select with three-way broadcasting.
struct WhereOperator: Operator {
    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let c = try OpSupport.tensorFact(inputs, 0, "condition")
        let x = try OpSupport.tensorFact(inputs, 1, "X")
        let y = try OpSupport.tensorFact(inputs, 2, "Y")
        try OpSupport.check(c.type, in: [.bool], "condition")
        try OpSupport.checkSame(x.type, y.type, "X and Y")
        return [ValueFact(x.type, try Broadcast.dims(try Broadcast.dims(c.shape, x.shape), y.shape))]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let c = try inputs.tensor(0), x = try inputs.tensor(1), y = try inputs.tensor(2)
        guard case .bool(let cond) = c.storage else { throw ModelError.runtime("condition must be bool") }
        guard x.dataType == y.dataType else { throw ModelError.runtime("X and Y must have the same type") }
        let out = try Broadcast.shape([c.shape, x.shape, y.shape])
        try inputs.checkOutput(out)
        let ic = Broadcast.sourceIndices(c.shape, in: out)
        let ix = Broadcast.sourceIndices(x.shape, in: out)
        let iy = Broadcast.sourceIndices(y.shape, in: out)
        func select<T>(_ a: [T], _ b: [T]) -> [T] {
            (0..<ic.count).map { cond[ic[$0]] ? a[ix[$0]] : b[iy[$0]] }
        }
        let storage: TensorStorage
        switch (x.storage, y.storage) {
        case (.float(let a), .float(let b)): storage = .float(select(a, b))
        case (.double(let a), .double(let b)): storage = .double(select(a, b))
        case (.float16(let a), .float16(let b)): storage = .float16(select(a, b))
        case (.int8(let a), .int8(let b)): storage = .int8(select(a, b))
        case (.int16(let a), .int16(let b)): storage = .int16(select(a, b))
        case (.int32(let a), .int32(let b)): storage = .int32(select(a, b))
        case (.int64(let a), .int64(let b)): storage = .int64(select(a, b))
        case (.uint8(let a), .uint8(let b)): storage = .uint8(select(a, b))
        case (.uint16(let a), .uint16(let b)): storage = .uint16(select(a, b))
        case (.uint32(let a), .uint32(let b)): storage = .uint32(select(a, b))
        case (.uint64(let a), .uint64(let b)): storage = .uint64(select(a, b))
        case (.bool(let a), .bool(let b)): storage = .bool(select(a, b))
        case (.string(let a), .string(let b)): storage = .string(select(a, b))
        default: throw ModelError.runtime("X and Y must have the same type")
        }
        return [.tensor(Tensor(unchecked: out, storage))]
    }
}
