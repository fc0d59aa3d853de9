#if canImport(Glibc)
import Glibc
#endif

/// `FeatureVectorizer`, `DictVectorizer` and `CastMap` (ml opset 1): skl2onnx writes the first
/// when a scaler or normalizer takes several inputs and the second for scikit-learn's
/// DictVectorizer; onnxmltools' Core ML converter writes all three.
enum MapOperators {
    static let domain = "ai.onnx.ml"

    static func register(into registry: inout OperatorRegistry) {
        registry.register("FeatureVectorizer", domain: domain) { ctx in
            try ctx.checkArity(inputs: 1...Int.max, outputs: 1...1)
            let dims = try ctx.attributes.ints("inputdimensions") ?? []
            guard dims.count == ctx.inputCount, dims.allSatisfy({ $0 >= 0 }) else {
                throw ModelError.invalidModel("attribute 'inputdimensions' needs one non-negative width per input (\(ctx.inputCount)), got \(dims)")
            }
            let total = dims.reduce(0) { $0.addingReportingOverflow($1).overflow ? Int.max : $0 + $1 }
            try MLSupport.checkCount(total, "the sum of 'inputdimensions'", ctx.limits)
            return FeatureVectorizerOperator(widths: dims, total: total)
        }
        registry.register("DictVectorizer", domain: domain) { ctx in
            try ctx.checkArity(inputs: 1...1, outputs: 1...1)
            let strings = try ctx.attributes.strings("string_vocabulary") ?? []
            let ints = try ctx.attributes.ints("int64_vocabulary") ?? []
            guard strings.isEmpty != ints.isEmpty else {
                throw ModelError.invalidModel("exactly one of 'string_vocabulary' and 'int64_vocabulary' must be given")
            }
            return DictVectorizerOperator(strings: strings, ints: ints.map { Int64($0) })
        }
        registry.register("CastMap", domain: domain) { ctx in
            try ctx.checkArity(inputs: 1...1, outputs: 1...1)
            return try CastMapOperator(ctx)
        }
    }

    /// The map input of a map operator.
    static func map(_ inputs: OperatorInputs) throws -> MapValue {
        guard let value = inputs.values.first ?? nil, case .map(let m) = value else {
            throw ModelError.runtime("input X must be a map")
        }
        return m
    }
}

/// `FeatureVectorizer`: concatenates its inputs along the feature axis into float [N, Σ widths];
/// each input is [N, ...] (a 1-D input is one row), cut or zero-padded to its width.
struct FeatureVectorizerOperator: Operator {
    let widths: [Int]
    let total: Int

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        var batch: Dimension = .unknown
        for i in 0..<inputs.count {
            let x = try OpSupport.tensorFact(inputs, i, "X\(i)")
            try OpSupport.check(x.type, in: MLSupport.predictorTypes, "X\(i)")
            if let shape = x.shape, i == 0 { batch = shape.count <= 1 ? .fixed(1) : shape[0] }
        }
        return [ValueFact(.float, [batch, .fixed(total)])]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        var tensors: [Tensor] = []
        for i in 0..<inputs.count { tensors.append(try inputs.tensor(i)) }
        let rows = tensors[0].rank <= 1 ? 1 : tensors[0].shape[0]
        try inputs.checkOutput([rows, total])
        var y = [Float](repeating: 0, count: rows * total)
        var offset = 0
        for (t, width) in zip(tensors, widths) {
            let n = t.rank <= 1 ? 1 : t.shape[0]
            guard n == rows else { throw ModelError.runtime("inputs have \(rows) and \(n) rows") }
            let values = try MLSupport.floats(t)
            let stride = rows == 0 ? 0 : values.count / rows
            for r in 0..<rows {
                for c in 0..<min(stride, width) { y[r * total + offset + c] = values[r * stride + c] }
            }
            offset += width
        }
        return [.tensor(Tensor(unchecked: [rows, total], .float(y)))]
    }
}

/// `DictVectorizer`: one map to a [1, vocabulary] tensor of the map's value type, each entry
/// the value of that vocabulary key (0, or "" for strings, when absent).
struct DictVectorizerOperator: Operator {
    let strings: [String]
    let ints: [Int64]

    var count: Int { max(strings.count, ints.count) }

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        guard let fact = inputs.first ?? nil, case .map(let key, let value) = fact.type, let element = value.tensorElementType else {
            throw ModelError.invalidModel("input X must be a map of tensors")
        }
        guard key == (strings.isEmpty ? .int64 : .string) else {
            throw ModelError.invalidModel("input X has \(key) keys but the vocabulary is \(strings.isEmpty ? "int64" : "string")")
        }
        try OpSupport.check(element, in: [.float, .double, .int64, .string], "X (map values)")
        return [ValueFact(element, [.fixed(1), .fixed(count)])]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let map = try MapOperators.map(inputs)
        var position = [Int](repeating: -1, count: map.keys.count)
        switch map.keys {
        case .string(let keys):
            var index: [String: Int] = [:]
            for (i, s) in strings.enumerated() where index[s] == nil { index[s] = i }
            for (k, key) in keys.enumerated() { position[k] = index[key] ?? -1 }
        case .int64(let keys):
            var index: [Int64: Int] = [:]
            for (i, v) in ints.enumerated() where index[v] == nil { index[v] = i }
            for (k, key) in keys.enumerated() { position[k] = index[key] ?? -1 }
        }
        // Gather from the values followed by one default element.
        guard let fallback = TensorStorage.zeros(map.values.dataType, count: 1) else {
            throw ModelError.runtime("unsupported map value type \(map.values.dataType)")
        }
        let table = try map.values.storage.appending(fallback)
        var picks = [Int](repeating: map.keys.count, count: count)
        for (k, p) in position.enumerated() where p >= 0 { picks[p] = k }
        return [.tensor(Tensor(unchecked: [1, count], table.gathering(picks)))]
    }
}

/// `CastMap`: a map from int64 keys to a [1, n] tensor of its values in key order (DENSE), or
/// of `max_map` slots indexed by key (SPARSE, missing slots 0), cast to float, int64
/// (truncating) or string (`%f`, as onnxruntime's `std::to_string`).
struct CastMapOperator: Operator {
    enum Target: Sendable { case float, int64, string }

    let target: Target
    let dense: Bool
    let maxMap: Int

    init(_ ctx: NodeContext) throws {
        let a = ctx.attributes
        switch try a.string("cast_to") ?? "TO_FLOAT" {
        case "TO_FLOAT": target = .float
        case "TO_INT64": target = .int64
        case "TO_STRING": target = .string
        case let other: throw ModelError.invalidModel("attribute 'cast_to' is '\(other)'; expected TO_FLOAT, TO_INT64 or TO_STRING")
        }
        switch try a.string("map_form") ?? "DENSE" {
        case "DENSE": dense = true
        case "SPARSE": dense = false
        case let other: throw ModelError.invalidModel("attribute 'map_form' is '\(other)'; expected DENSE or SPARSE")
        }
        maxMap = try a.int("max_map", default: 1)
        guard maxMap >= 1 else { throw ModelError.invalidModel("attribute 'max_map' must be >= 1") }
        try MLSupport.checkCount(maxMap, "attribute 'max_map'", ctx.limits)
    }

    var outputType: DataType {
        switch target {
        case .float: return .float
        case .int64: return .int64
        case .string: return .string
        }
    }

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        guard let fact = inputs.first ?? nil, case .map(.int64, let value) = fact.type,
              let element = value.tensorElementType, element == .float || element == .string else {
            throw ModelError.invalidModel("input X must be a map from int64 to float or string")
        }
        return [ValueFact(outputType, [.fixed(1), dense ? .unknown : .fixed(maxMap)])]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let map = try MapOperators.map(inputs)
        guard case .int64(let keys) = map.keys else { throw ModelError.runtime("CastMap needs int64 keys") }
        let numbers: [Double]
        switch map.values.storage {
        case .float(let v): numbers = v.map { Double($0) }
        case .string(let v): numbers = v.map { Double($0) ?? .nan }
        default: throw ModelError.runtime("CastMap needs float or string values, got \(map.values.dataType)")
        }
        let order = keys.indices.sorted { keys[$0] < keys[$1] }
        var slots: [Double?]
        if dense {
            slots = order.map { numbers[$0] }
        } else {
            slots = [Double?](repeating: nil, count: maxMap)
            for i in order {
                guard keys[i] >= 0, keys[i] < Int64(maxMap) else {
                    throw ModelError.runtime("key \(keys[i]) is outside [0, max_map = \(maxMap))")
                }
                slots[Int(keys[i])] = numbers[i]
            }
        }
        let shape = [1, slots.count]
        switch target {
        case .float: return [.tensor(Tensor(unchecked: shape, .float(slots.map { Float($0 ?? 0) })))]
        case .int64: return [.tensor(Tensor(unchecked: shape, .int64(slots.map { Convert.int64($0 ?? 0) })))]
        case .string: return [.tensor(Tensor(unchecked: shape, .string(slots.map { CastMapOperator.format($0 ?? 0) })))]
        }
    }

    /// `%f` of a float value, formatted by the C library as `std::to_string` does.
    static func format(_ value: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let written = withVaList([Double(Float(value))]) { args in
            buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, 64, "%f", args) }
        }
        guard written > 0 else { return "" }
        if written >= 64 {
            // Floats reach 3.4e38: 39 digits, a point and six decimals fit in 64 bytes.
            return ""
        }
        return String(decoding: buffer.prefix(Int(written)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
