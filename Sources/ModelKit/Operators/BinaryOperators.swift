/// `Add`, `Sub`, `Mul`, `Div` (numpy broadcasting from opset 7; the legacy `broadcast`/`axis`
/// attributes before), `Pow`, and the comparisons `Equal`, `Less`, `Greater`.
enum BinaryOperators {
    static func register(into registry: inout OperatorRegistry) {
        for (name, kind) in [("Add", Arithmetic.add), ("Sub", .sub), ("Mul", .mul), ("Div", .div)] {
            registry.register(name, since: 1) { ctx in
                try ctx.checkArity(inputs: 2...2, outputs: 1...1)
                return ArithmeticOperator(kind: kind, legacy: try LegacyBroadcast(ctx))
            }
        }
        registry.register("Pow", since: 1) { ctx in
            try ctx.checkArity(inputs: 2...2, outputs: 1...1)
            return PowOperator(legacy: try LegacyBroadcast(ctx), sameTypes: ctx.opsetVersion < 12)
        }
        for (name, kind) in [("Equal", Comparison.equal), ("Less", .less), ("Greater", .greater)] {
            registry.register(name, since: 1) { ctx in
                try ctx.checkArity(inputs: 2...2, outputs: 1...1)
                return ComparisonOperator(kind: kind, legacy: try LegacyBroadcast(ctx))
            }
        }
    }
}

/// Before opset 7, binary ops broadcast only when `broadcast=1`, aligning B at `axis` of A.
struct LegacyBroadcast: Sendable {
    let enabled: Bool
    let axis: Int?

    init(_ ctx: NodeContext) throws {
        if ctx.opsetVersion < 7 {
            enabled = try ctx.attributes.int("broadcast", default: 0) != 0
            axis = try ctx.attributes.int("axis")
        } else {
            enabled = true
            axis = nil
        }
    }

    /// B's shape as numpy broadcasting should see it.
    func bShape(_ a: [Int], _ b: [Int]) throws -> [Int] {
        guard enabled else {
            guard a == b || b.reduce(1, *) == 1 else {
                throw ModelError.runtime("shapes \(a) and \(b) differ and broadcast=0")
            }
            return b
        }
        guard let axis else { return b }
        let start = axis < 0 ? axis + a.count : axis
        guard start >= 0, start + b.count <= a.count else {
            throw ModelError.runtime("axis \(axis) does not fit B of shape \(b) into A of shape \(a)")
        }
        return b + Array(repeating: 1, count: a.count - start - b.count)
    }

    func bDims(_ a: [Dimension]?, _ b: [Dimension]?) -> [Dimension]? {
        guard enabled, let axis, let a, let b else { return b }
        let start = axis < 0 ? axis + a.count : axis
        guard start >= 0, start + b.count <= a.count else { return b }
        return b + Array(repeating: .fixed(1), count: a.count - start - b.count)
    }
}

enum Arithmetic: Sendable { case add, sub, mul, div }

struct ArithmeticOperator: Operator {
    let kind: Arithmetic
    let legacy: LegacyBroadcast

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let a = try OpSupport.tensorFact(inputs, 0, "A")
        let b = try OpSupport.tensorFact(inputs, 1, "B")
        try OpSupport.check(a.type, in: OpSupport.numericTypes, "A")
        try OpSupport.checkSame(a.type, b.type, "A and B")
        return [ValueFact(a.type, try Broadcast.dims(a.shape, legacy.bDims(a.shape, b.shape)))]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        var a = try inputs.takeTensor(0)
        let b = try inputs.takeTensor(1)
        let bShape = try legacy.bShape(a.shape, b.shape)
        let outShape = try Broadcast.shape(a.shape, bShape)
        try inputs.checkOutput(outShape)
        if a.dataType == .float, b.dataType == .float, a.shape == outShape, let y = b.elements(as: Float.self),
           var x = a.takeFloats() {
            // In place: `a` was moved out of its slot at its last use, so its buffer is ours.
            ArithmeticOperator.floatInPlace(&x, a.shape, y, bShape, kind)
            return [.tensor(Tensor(unchecked: outShape, .float(x)))]
        }
        let storage: TensorStorage
        switch (a.storage, b.storage) {
        case (.float(let x), .float(let y)): storage = .float(floats(x, a.shape, y, bShape, outShape))
        case (.double(let x), .double(let y)): storage = .double(floats(x, a.shape, y, bShape, outShape))
        case (.float16(let x), .float16(let y)):
            storage = .float16(Half.fromFloat(floats(Half.toFloat(x), a.shape, Half.toFloat(y), bShape, outShape)))
        case (.int8(let x), .int8(let y)): storage = .int8(try ints(x, a.shape, y, bShape, outShape))
        case (.int16(let x), .int16(let y)): storage = .int16(try ints(x, a.shape, y, bShape, outShape))
        case (.int32(let x), .int32(let y)): storage = .int32(try ints(x, a.shape, y, bShape, outShape))
        case (.int64(let x), .int64(let y)): storage = .int64(try ints(x, a.shape, y, bShape, outShape))
        case (.uint8(let x), .uint8(let y)): storage = .uint8(try ints(x, a.shape, y, bShape, outShape))
        case (.uint16(let x), .uint16(let y)): storage = .uint16(try ints(x, a.shape, y, bShape, outShape))
        case (.uint32(let x), .uint32(let y)): storage = .uint32(try ints(x, a.shape, y, bShape, outShape))
        case (.uint64(let x), .uint64(let y)): storage = .uint64(try ints(x, a.shape, y, bShape, outShape))
        default: throw ModelError.runtime("unsupported input types \(a.dataType) and \(b.dataType)")
        }
        return [.tensor(Tensor(unchecked: outShape, storage))]
    }

    private func floats<T: MathFloat>(_ x: [T], _ xs: [Int], _ y: [T], _ ys: [Int], _ out: [Int]) -> [T] {
        switch kind {
        case .add: return Broadcast.apply(x, xs, y, ys, out, +)
        case .sub: return Broadcast.apply(x, xs, y, ys, out, -)
        case .mul: return Broadcast.apply(x, xs, y, ys, out, *)
        case .div: return Broadcast.apply(x, xs, y, ys, out, /)
        }
    }

    /// Integer arithmetic wraps on overflow (as numpy and onnxruntime do); division truncates
    /// toward zero and division by zero is an error instead of a trap.
    private func ints<T: FixedWidthInteger>(_ x: [T], _ xs: [Int], _ y: [T], _ ys: [Int], _ out: [Int]) throws -> [T] {
        switch kind {
        case .add: return Broadcast.apply(x, xs, y, ys, out, &+)
        case .sub: return Broadcast.apply(x, xs, y, ys, out, &-)
        case .mul: return Broadcast.apply(x, xs, y, ys, out, &*)
        case .div:
            if y.contains(0) { throw ModelError.runtime("integer division by zero") }
            return Broadcast.apply(x, xs, y, ys, out) { $0.dividedReportingOverflow(by: $1).partialValue }
        }
    }

    /// `x = x op y` where `y` broadcasts into `x`'s shape.
    static func floatInPlace(_ x: inout [Float], _ xShape: [Int], _ y: [Float], _ yShape: [Int], _ kind: Arithmetic) {
        let count = x.count
        guard count > 0 else { return }
        // y repeats with period y.count when its shape (minus leading 1s) is a suffix of x's.
        var trimmed = yShape[...]
        while trimmed.first == 1 { trimmed = trimmed.dropFirst() }
        let period = y.count
        let isSuffix = period > 0 && trimmed.count <= xShape.count && Array(xShape.suffix(trimmed.count)) == Array(trimmed)
        guard isSuffix || period == 1 else {
            let idx = Broadcast.sourceIndices(yShape, in: xShape)
            x.withUnsafeMutableBufferPointer { px in
                y.withUnsafeBufferPointer { py in
                    for i in 0..<count {
                        let v = py[idx[i]]
                        switch kind {
                        case .add: px[i] += v
                        case .sub: px[i] -= v
                        case .mul: px[i] *= v
                        case .div: px[i] /= v
                        }
                    }
                }
            }
            return
        }
        x.withUnsafeMutableBufferPointer { px in
            y.withUnsafeBufferPointer { py in
                switch kind {
                case .add: VectorKernels.periodic(px, py, +, +)
                case .sub: VectorKernels.periodic(px, py, -, -)
                case .mul: VectorKernels.periodic(px, py, *, *)
                case .div: VectorKernels.periodic(px, py, /, /)
                }
            }
        }
    }
}

/// `Pow(X, Y)`: X float16/float/double/int32/int64; Y any numeric type from opset 12.
struct PowOperator: Operator {
    let legacy: LegacyBroadcast
    let sameTypes: Bool

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let a = try OpSupport.tensorFact(inputs, 0, "X")
        let b = try OpSupport.tensorFact(inputs, 1, "Y")
        try OpSupport.check(a.type, in: [.float, .double, .float16, .int32, .int64], "X")
        try OpSupport.check(b.type, in: OpSupport.numericTypes, "Y")
        if sameTypes { try OpSupport.checkSame(a.type, b.type, "X and Y") }
        return [ValueFact(a.type, try Broadcast.dims(a.shape, legacy.bDims(a.shape, b.shape)))]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let a = try inputs.tensor(0)
        let b = try inputs.tensor(1)
        let bShape = try legacy.bShape(a.shape, b.shape)
        let out = try Broadcast.shape(a.shape, bShape)
        try inputs.checkOutput(out)
        let storage: TensorStorage
        switch a.storage {
        case .float(let x):
            if let y = b.elements(as: Float.self) {
                storage = .float(Broadcast.apply(x, a.shape, y, bShape, out) { Float.mPow($0, $1) })
            } else {
                guard let y = b.doubleValues() else { throw ModelError.runtime("Y must be numeric") }
                storage = .float(Broadcast.apply(x, a.shape, y, bShape, out) { Float(Double.mPow(Double($0), $1)) })
            }
        case .double(let x):
            guard let y = b.doubleValues() else { throw ModelError.runtime("Y must be numeric") }
            storage = .double(Broadcast.apply(x, a.shape, y, bShape, out) { Double.mPow($0, $1) })
        case .float16(let x):
            guard let y = b.floatValues() else { throw ModelError.runtime("Y must be numeric") }
            storage = .float16(Half.fromFloat(Broadcast.apply(Half.toFloat(x), a.shape, y, bShape, out) { Float.mPow($0, $1) }))
        case .int32(let x):
            storage = .int32(try PowOperator.integerPow(x, a.shape, b, bShape, out))
        case .int64(let x):
            storage = .int64(try PowOperator.integerPow(x, a.shape, b, bShape, out))
        default:
            throw ModelError.runtime("unsupported base type \(a.dataType)")
        }
        return [.tensor(Tensor(unchecked: out, storage))]
    }

    /// Integer base: integer exponents by squaring (wrapping); float exponents through `pow`
    /// in double, truncated (onnxruntime: `static_cast<T>(std::pow(x, y))`).
    static func integerPow<T: FixedWidthInteger>(_ x: [T], _ xs: [Int], _ b: Tensor, _ ys: [Int], _ out: [Int]) throws -> [T] {
        if let y = b.int64Values() {
            return Broadcast.apply(x, xs, y, ys, out) { base, exponent in
                if exponent < 0 {
                    if base == 1 { return 1 }
                    if base == -1 { return exponent & 1 == 0 ? 1 : T(truncatingIfNeeded: -1) }
                    return 0
                }
                var result: T = 1, factor = base, e = exponent
                while e > 0 {
                    if e & 1 == 1 { result = result &* factor }
                    factor = factor &* factor
                    e >>= 1
                }
                return result
            }
        }
        guard let y = b.doubleValues() else { throw ModelError.runtime("Y must be numeric") }
        let xd = x.map { Double($0) }
        return Broadcast.apply(xd, xs, y, ys, out) { T(truncatingIfNeeded: Convert.int64(Double.mPow($0, $1))) }
    }
}

enum Comparison: Sendable { case equal, less, greater }

/// `Equal`, `Less`, `Greater`: broadcasting comparisons producing bool.
struct ComparisonOperator: Operator {
    let kind: Comparison
    let legacy: LegacyBroadcast

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let a = try OpSupport.tensorFact(inputs, 0, "A")
        let b = try OpSupport.tensorFact(inputs, 1, "B")
        try OpSupport.check(a.type, in: kind == .equal ? OpSupport.allTypes : OpSupport.numericTypes, "A")
        try OpSupport.checkSame(a.type, b.type, "A and B")
        return [ValueFact(.bool, try Broadcast.dims(a.shape, legacy.bDims(a.shape, b.shape)))]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let a = try inputs.tensor(0)
        let b = try inputs.tensor(1)
        let bs = try legacy.bShape(a.shape, b.shape)
        let out = try Broadcast.shape(a.shape, bs)
        try inputs.checkOutput(out)
        let result: [Bool]
        switch (a.storage, b.storage) {
        case (.float(let x), .float(let y)): result = compare(x, a.shape, y, bs, out)
        case (.double(let x), .double(let y)): result = compare(x, a.shape, y, bs, out)
        case (.float16(let x), .float16(let y)): result = compare(Half.toFloat(x), a.shape, Half.toFloat(y), bs, out)
        case (.int8(let x), .int8(let y)): result = compare(x, a.shape, y, bs, out)
        case (.int16(let x), .int16(let y)): result = compare(x, a.shape, y, bs, out)
        case (.int32(let x), .int32(let y)): result = compare(x, a.shape, y, bs, out)
        case (.int64(let x), .int64(let y)): result = compare(x, a.shape, y, bs, out)
        case (.uint8(let x), .uint8(let y)): result = compare(x, a.shape, y, bs, out)
        case (.uint16(let x), .uint16(let y)): result = compare(x, a.shape, y, bs, out)
        case (.uint32(let x), .uint32(let y)): result = compare(x, a.shape, y, bs, out)
        case (.uint64(let x), .uint64(let y)): result = compare(x, a.shape, y, bs, out)
        case (.string(let x), .string(let y)):
            guard kind == .equal else { throw ModelError.runtime("strings can only be compared for equality") }
            result = Broadcast.apply(x, a.shape, y, bs, out, ==)
        case (.bool(let x), .bool(let y)):
            guard kind == .equal else { throw ModelError.runtime("bools can only be compared for equality") }
            result = Broadcast.apply(x, a.shape, y, bs, out, ==)
        default:
            throw ModelError.runtime("unsupported input types \(a.dataType) and \(b.dataType)")
        }
        return [.tensor(Tensor(unchecked: out, .bool(result)))]
    }

    private func compare<T: Comparable>(_ x: [T], _ xs: [Int], _ y: [T], _ ys: [Int], _ out: [Int]) -> [Bool] {
        switch kind {
        case .equal: return Broadcast.apply(x, xs, y, ys, out, ==)
        case .less: return Broadcast.apply(x, xs, y, ys, out, <)
        case .greater: return Broadcast.apply(x, xs, y, ys, out, >)
        }
    }
}
