/// `Imputer` (ml opset 1): replaces `replaced_value_*` (or NaN, when that is NaN) by
/// `imputed_value_*`, per column or with one value for all.
///
/// Float inputs (float, double) use the `_float(s)` attributes, integer inputs (int64, int32)
/// the `_int64(s)` ones. As onnxruntime: the column of element i is i mod C with C = dims[0]
/// for `[C]`, else dims[1]; imputed values are per column when there are C of them,
/// otherwise the first applies to all.
struct ImputerOperator: Operator {
    let floats: [Float]
    let replacedFloat: Float
    let ints: [Int64]
    let replacedInt: Int64

    static func register(into registry: inout OperatorRegistry) {
        registry.register("Imputer", domain: "ai.onnx.ml") { ctx in
            try ctx.checkArity(inputs: 1...1, outputs: 1...1)
            let a = ctx.attributes
            let floats = try a.floats("imputed_value_floats") ?? []
            let ints = try a.ints("imputed_value_int64s") ?? []
            guard floats.isEmpty != ints.isEmpty else {
                throw ModelError.invalidModel("exactly one of the attributes 'imputed_value_floats' and 'imputed_value_int64s' must be given")
            }
            return ImputerOperator(floats: floats, replacedFloat: try a.float("replaced_value_float", default: 0),
                                   ints: ints.map { Int64($0) }, replacedInt: Int64(try a.int("replaced_value_int64", default: 0)))
        }
    }

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "X")
        try OpSupport.check(x.type, in: MLSupport.predictorTypes, "X")
        let isFloat = x.type == .float || x.type == .double
        guard isFloat == !floats.isEmpty else {
            throw ModelError.invalidModel("input X of type \(x.type) needs '\(isFloat ? "imputed_value_floats" : "imputed_value_int64s")'")
        }
        return [ValueFact(x.type, x.shape)]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let x = try inputs.tensor(0)
        guard x.rank >= 1 else { throw ModelError.runtime("input X must have at least one dimension") }
        let c = ScalerOperators.stride(x.shape)
        func column(_ i: Int, _ count: Int) -> Int { count == c && c > 0 ? i % c : 0 }
        switch x.storage {
        case .float(var v):
            for i in v.indices where replacedFloat.isNaN ? v[i].isNaN : v[i] == replacedFloat { v[i] = floats[column(i, floats.count)] }
            return [.tensor(Tensor(unchecked: x.shape, .float(v)))]
        case .double(var v):
            let replaced = Double(replacedFloat)
            for i in v.indices where replaced.isNaN ? v[i].isNaN : v[i] == replaced { v[i] = Double(floats[column(i, floats.count)]) }
            return [.tensor(Tensor(unchecked: x.shape, .double(v)))]
        case .int64(var v):
            for i in v.indices where v[i] == replacedInt { v[i] = ints[column(i, ints.count)] }
            return [.tensor(Tensor(unchecked: x.shape, .int64(v)))]
        case .int32(var v):
            for i in v.indices where Int64(v[i]) == replacedInt { v[i] = Int32(truncatingIfNeeded: ints[column(i, ints.count)]) }
            return [.tensor(Tensor(unchecked: x.shape, .int32(v)))]
        default:
            throw ModelError.runtime("input X has unsupported type \(x.dataType)")
        }
    }
}
