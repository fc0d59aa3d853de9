/// `OneHotEncoder`, `LabelEncoder` (ml opsets 1, 2 and 4) and `CategoryMapper` (ml opset 1).
enum EncoderOperators {
    static let domain = "ai.onnx.ml"

    static func register(into registry: inout OperatorRegistry) {
        registry.register("OneHotEncoder", domain: domain) { ctx in
            try ctx.checkArity(inputs: 1...1, outputs: 1...1)
            return try OneHotEncoderOperator(ctx)
        }
        registry.register("LabelEncoder", domain: domain, since: 1) { ctx in
            try ctx.checkArity(inputs: 1...1, outputs: 1...1)
            let a = ctx.attributes
            let classes = try a.strings("classes_strings") ?? []
            return CategoryMapperOperator(strings: classes, ints: classes.indices.map { Int64($0) },
                                          defaultInt: Int64(try a.int("default_int64", default: -1)),
                                          defaultString: try a.string("default_string") ?? "_Unused")
        }
        for since in [2, 4] {
            registry.register("LabelEncoder", domain: domain, since: since) { ctx in
                try ctx.checkArity(inputs: 1...1, outputs: 1...1)
                return try LabelEncoderOperator(ctx)
            }
        }
        registry.register("CategoryMapper", domain: domain) { ctx in
            try ctx.checkArity(inputs: 1...1, outputs: 1...1)
            let a = ctx.attributes
            let strings = try a.strings("cats_strings") ?? []
            let ints = try a.ints("cats_int64s") ?? []
            guard strings.count == ints.count else {
                throw ModelError.invalidModel("attributes 'cats_strings' (\(strings.count)) and 'cats_int64s' (\(ints.count)) must have the same length")
            }
            return CategoryMapperOperator(strings: strings, ints: ints.map { Int64($0) },
                                          defaultInt: Int64(try a.int("default_int64", default: -1)),
                                          defaultString: try a.string("default_string") ?? "_Unused")
        }
    }
}

/// A two-way map between strings and integers: string inputs give int64, int64 inputs give
/// strings, with defaults for misses. `CategoryMapper`, and `LabelEncoder` v1 (where the
/// integers are the positions in `classes_strings`).
struct CategoryMapperOperator: Operator {
    let toInt: [String: Int64]
    let toString: [Int64: String]
    let defaultInt: Int64
    let defaultString: String

    init(strings: [String], ints: [Int64], defaultInt: Int64, defaultString: String) {
        var s2i: [String: Int64] = [:], i2s: [Int64: String] = [:]
        for (s, i) in zip(strings, ints) {
            if s2i[s] == nil { s2i[s] = i }
            if i2s[i] == nil { i2s[i] = s }
        }
        toInt = s2i
        toString = i2s
        self.defaultInt = defaultInt
        self.defaultString = defaultString
    }

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "X")
        try OpSupport.check(x.type, in: [.string, .int64], "X")
        return [ValueFact(x.type == .string ? .int64 : .string, x.shape)]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let x = try inputs.tensor(0)
        switch x.storage {
        case .string(let v): return [.tensor(Tensor(unchecked: x.shape, .int64(v.map { toInt[$0] ?? defaultInt })))]
        case .int64(let v): return [.tensor(Tensor(unchecked: x.shape, .string(v.map { toString[$0] ?? defaultString })))]
        default: throw ModelError.runtime("input X must be string or int64, got \(x.dataType)")
        }
    }
}

/// `OneHotEncoder`: Y float of shape X.shape + [categories], 1 at the category of each element.
///
/// Numeric inputs are truncated to int64 and looked up in `cats_int64s` (onnxruntime casts);
/// strings in `cats_strings`. A value of no category gives a row of zeros, or with
/// `zeros` = 0 fails the run. A category listed twice maps to its last position.
struct OneHotEncoderOperator: Operator {
    let intCategories: [Int64: Int]?
    let stringCategories: [String: Int]?
    let count: Int
    let zeros: Bool

    init(_ ctx: NodeContext) throws {
        let a = ctx.attributes
        let ints = try a.ints("cats_int64s") ?? []
        let strings = try a.strings("cats_strings") ?? []
        guard ints.isEmpty != strings.isEmpty else {
            throw ModelError.invalidModel("exactly one of the attributes 'cats_int64s' and 'cats_strings' must be given")
        }
        if ints.isEmpty {
            var map: [String: Int] = [:]
            for (i, s) in strings.enumerated() { map[s] = i }
            stringCategories = map
            intCategories = nil
        } else {
            var map: [Int64: Int] = [:]
            for (i, v) in ints.enumerated() { map[Int64(v)] = i }
            intCategories = map
            stringCategories = nil
        }
        count = max(ints.count, strings.count)
        zeros = try a.int("zeros", default: 1) != 0
    }

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "X")
        try OpSupport.check(x.type, in: [.string, .int64, .int32, .float, .double], "X")
        guard (x.type == .string) == (stringCategories != nil) else {
            throw ModelError.invalidModel("input X of type \(x.type) needs '\(x.type == .string ? "cats_strings" : "cats_int64s")'")
        }
        return [ValueFact(.float, x.shape.map { $0 + [.fixed(count)] })]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let x = try inputs.tensor(0)
        let shape = x.shape + [count]
        try inputs.checkOutput(shape)
        var positions = [Int](repeating: -1, count: x.elementCount)
        switch x.storage {
        case .string(let v):
            guard let map = stringCategories else { throw ModelError.runtime("string input needs 'cats_strings'") }
            for (i, s) in v.enumerated() { positions[i] = map[s] ?? -1 }
        default:
            guard let map = intCategories, let values = x.doubleValues(), x.dataType != .string else {
                throw ModelError.runtime("numeric input needs 'cats_int64s'")
            }
            if case .int64(let v) = x.storage {
                for (i, k) in v.enumerated() { positions[i] = map[k] ?? -1 }
            } else {
                for (i, d) in values.enumerated() { positions[i] = map[Convert.int64(d)] ?? -1 }
            }
        }
        var y = [Float](repeating: 0, count: positions.count * count)
        for (i, p) in positions.enumerated() {
            if p >= 0 {
                y[i * count + p] = 1
            } else if !zeros {
                throw ModelError.runtime("element \(i) of X is not one of the categories and 'zeros' is 0")
            }
        }
        return [.tensor(Tensor(unchecked: shape, .float(y)))]
    }
}
