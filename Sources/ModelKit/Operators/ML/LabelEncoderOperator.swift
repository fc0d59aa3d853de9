/// `LabelEncoder` (ml opsets 2 and 4): maps each element of X through keys -> values, with a
/// default for keys not found. Output type is the values' type, shape X's.
///
/// Opset 2 takes `keys_{strings,int64s,floats}` / `values_{...}`; opset 4 adds tensor
/// attributes (`keys_tensor`, `values_tensor`, `default_tensor`) and int16, int32, double.
/// Float keys compare by value (-0 equals 0); a NaN key matches NaN inputs from opset 4 on
/// (onnxruntime 1.31 matches them only there). A key listed twice keeps its first value.
struct LabelEncoderOperator: Operator {
    /// The key lookup: integer keys by value, float keys by canonical bit pattern.
    enum Keys: Sendable {
        case strings([String: Int])
        case integers([Int64: Int])
        case floats([UInt64: Int], nan: Int?)
    }

    let keys: Keys
    let keyType: DataType
    /// The values followed by the default: a miss picks the last element.
    let table: TensorStorage
    let missIndex: Int

    init(_ ctx: NodeContext) throws {
        let a = ctx.attributes
        let v4 = ctx.opsetVersion >= 4
        let (keyStorage, keyName) = try LabelEncoderOperator.attribute(a, "keys", v4: v4)
        let (valueStorage, valueName) = try LabelEncoderOperator.attribute(a, "values", v4: v4)
        guard keyStorage.count == valueStorage.count else {
            throw ModelError.invalidModel("'\(keyName)' has \(keyStorage.count) entries but '\(valueName)' has \(valueStorage.count)")
        }
        keyType = keyStorage.dataType
        switch keyStorage {
        case .string(let k):
            var map: [String: Int] = [:]
            for (i, key) in k.enumerated() where map[key] == nil { map[key] = i }
            keys = .strings(map)
        case .float, .double:
            var map: [UInt64: Int] = [:]
            var nan: Int?
            for (i, key) in (keyStorage.doubleList ?? []).enumerated() {
                if key.isNaN {
                    if v4 && nan == nil { nan = i }
                } else {
                    let bits = (key == 0 ? 0 : key).bitPattern
                    if map[bits] == nil { map[bits] = i }
                }
            }
            keys = .floats(map, nan: nan)
        default:
            var map: [Int64: Int] = [:]
            for (i, key) in (Tensor(unchecked: [keyStorage.count], keyStorage).int64Values() ?? []).enumerated() where map[key] == nil {
                map[key] = i
            }
            keys = .integers(map)
        }
        let fallback = try LabelEncoderOperator.defaultValue(a, valueStorage.dataType, v4: v4)
        table = try valueStorage.appending(fallback)
        missIndex = valueStorage.count
    }

    /// The one `<prefix>_*` attribute (or `<prefix>_tensor` from opset 4) as storage.
    private static func attribute(_ a: Attributes, _ prefix: String, v4: Bool) throws -> (TensorStorage, String) {
        var found: [(TensorStorage, String)] = []
        if let s = try a.strings(prefix + "_strings") { found.append((.string(s), prefix + "_strings")) }
        if let i = try a.ints(prefix + "_int64s") { found.append((.int64(i.map { Int64($0) }), prefix + "_int64s")) }
        if let f = try a.floats(prefix + "_floats") { found.append((.float(f), prefix + "_floats")) }
        if v4, let t = try a.tensor(prefix + "_tensor") {
            guard [.string, .int64, .float, .int32, .int16, .double].contains(t.dataType) else {
                throw ModelError.invalidModel("attribute '\(prefix)_tensor' has unsupported type \(t.dataType)")
            }
            found.append((t.storage, prefix + "_tensor"))
        }
        guard found.count == 1, let only = found.first else {
            throw ModelError.invalidModel("exactly one \(prefix) attribute (\(prefix)_strings, \(prefix)_int64s, \(prefix)_floats\(v4 ? " or \(prefix)_tensor" : "")) must be given, found \(found.count)")
        }
        return only
    }

    /// The default for misses: `default_tensor` (opset 4) or the attribute of the values' type.
    private static func defaultValue(_ a: Attributes, _ type: DataType, v4: Bool) throws -> TensorStorage {
        if v4, let t = try a.tensor("default_tensor") {
            guard t.dataType == type, t.elementCount == 1 else {
                throw ModelError.invalidModel("attribute 'default_tensor' must hold one \(type) value, got \(t.dataType) x \(t.elementCount)")
            }
            return t.storage
        }
        switch type {
        case .string: return .string([try a.string("default_string") ?? "_Unused"])
        case .int64: return .int64([Int64(try a.int("default_int64", default: -1))])
        case .int32: return .int32([-1])
        case .int16: return .int16([-1])
        case .double: return .double([-0.0])
        default: return .float([try a.float("default_float", default: -0.0)])
        }
    }

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "X")
        guard x.type == keyType else {
            throw ModelError.invalidModel("input X has type \(x.type) but the keys are \(keyType)")
        }
        return [ValueFact(table.dataType, x.shape)]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let x = try inputs.tensor(0)
        var picks = [Int](repeating: missIndex, count: x.elementCount)
        switch (keys, x.storage) {
        case (.strings(let map), .string(let v)):
            for (i, s) in v.enumerated() { picks[i] = map[s] ?? missIndex }
        case (.floats(let map, let nan), _):
            guard let v = x.storage.doubleList else { throw ModelError.runtime("input X must be \(keyType)") }
            for (i, d) in v.enumerated() {
                picks[i] = d.isNaN ? (nan ?? missIndex) : (map[(d == 0 ? 0 : d).bitPattern] ?? missIndex)
            }
        case (.integers(let map), _):
            guard x.dataType != .string, let v = x.int64Values() else { throw ModelError.runtime("input X must be \(keyType)") }
            for (i, k) in v.enumerated() { picks[i] = map[k] ?? missIndex }
        default:
            throw ModelError.runtime("input X must be \(keyType), got \(x.dataType)")
        }
        return [.tensor(Tensor(unchecked: x.shape, table.gathering(picks)))]
    }
}
