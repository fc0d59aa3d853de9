/// `Cast` (element type conversion) and `Constant` (a value held in attributes).
enum CastOperators {
    static func register(into registry: inout OperatorRegistry) {
        registry.register("Cast", since: 1) { ctx in
            try ctx.checkArity(inputs: 1...1, outputs: 1...1)
            let target: DataType
            if ctx.opsetVersion < 6, let name = try ctx.attributes.string("to") {
                // Opset 1 named the type as a string ("FLOAT", "INT64", ...).
                guard let t = DataType.allCases.first(where: { $0.onnxName.uppercased() == name.uppercased() || "\($0)".uppercased() == name.uppercased() }) else {
                    throw ModelError.invalidModel("attribute 'to' names an unknown type '\(name)'")
                }
                target = t
            } else {
                guard let raw = try ctx.attributes.int("to") else { throw ModelError.invalidModel("attribute 'to' is required") }
                guard let t = DataType(onnx: Int64(raw)), t != .undefined else {
                    throw ModelError.invalidModel("attribute 'to' has an invalid type \(raw)")
                }
                target = t
            }
            guard target.isSupported else { throw ModelError.unsupported("Cast to \(target) is not supported") }
            return CastOperator(to: target)
        }
        registry.register("Constant", since: 1) { ctx in
            try ctx.checkArity(inputs: 0...0, outputs: 1...1)
            return ConstantOperator(value: try ConstantOperator.value(ctx.attributes))
        }
    }
}

struct CastOperator: Operator {
    var forwardsInput: Bool { true }

    let to: DataType

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "input")
        return [ValueFact(to, x.shape)]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let x = try inputs.takeTensor(0)
        return [.tensor(try x.converted(to: to))]
    }
}

extension Tensor {
    /// The tensor with its elements converted to `type`, following ONNX `Cast`: floats to
    /// integers truncate toward zero (NaN and out-of-range follow x86's C conversion), to bool
    /// is `!= 0`, numbers to strings use the shortest round-trip text, strings to numbers parse
    /// (unparsable text is an error).
    public func converted(to type: DataType) throws -> Tensor {
        if type == dataType { return self }
        let storage: TensorStorage
        switch type {
        case .string:
            storage = .string(try stringValues())
        case .bool:
            if case .string(let s) = self.storage {
                storage = .bool(try s.map { try Tensor.parse($0) != 0 })
            } else if let d = doubleValues() {
                storage = .bool(d.map { $0 != 0 })
            } else { throw ModelError.runtime("cannot cast \(dataType) to bool") }
        case .float:
            storage = .float(try floatSource())
        case .float16:
            if case .double(let d) = self.storage {
                storage = .float16(d.map { Float16($0).bitPattern })
            } else {
                storage = .float16(Half.fromFloat(try floatSource()))
            }
        case .double:
            storage = .double(try doubleSource())
        case .int64:
            storage = .int64(try integerSource { Convert.int64($0) })
        case .int32:
            storage = .int32(try integerSource { Convert.int32($0) })
        case .int16:
            storage = .int16(try integerSource { Convert.narrow($0, as: Int16.self) })
        case .int8:
            storage = .int8(try integerSource { Convert.narrow($0, as: Int8.self) })
        case .uint64:
            storage = .uint64(try integerSource { Convert.uint64($0) })
        case .uint32:
            storage = .uint32(try integerSource { UInt32(truncatingIfNeeded: Convert.int64($0)) })
        case .uint16:
            storage = .uint16(try integerSource { Convert.narrow($0, as: UInt16.self) })
        case .uint8:
            storage = .uint8(try integerSource { Convert.narrow($0, as: UInt8.self) })
        default:
            throw ModelError.unsupported("cast to \(type) is not supported")
        }
        return Tensor(unchecked: shape, storage)
    }

    private func floatSource() throws -> [Float] {
        if case .string(let s) = storage { return try s.map { Float(try Tensor.parse($0)) } }
        switch storage {
        case .int64(let v): return v.map { Float($0) }
        case .uint64(let v): return v.map { Float($0) }
        case .int32(let v): return v.map { Float($0) }
        default: break
        }
        guard let f = floatValues() else { throw ModelError.runtime("cannot cast \(dataType) to float") }
        return f
    }

    private func doubleSource() throws -> [Double] {
        if case .string(let s) = storage { return try s.map { try Tensor.parse($0) } }
        guard let d = doubleValues() else { throw ModelError.runtime("cannot cast \(dataType) to double") }
        return d
    }

    /// Integer targets: integer sources convert exactly by truncating/wrapping bits (as C
    /// does); float sources go through `fromDouble`.
    private func integerSource<T: FixedWidthInteger>(_ fromDouble: (Double) -> T) throws -> [T] {
        switch storage {
        case .int8(let v): return v.map { T(truncatingIfNeeded: $0) }
        case .int16(let v): return v.map { T(truncatingIfNeeded: $0) }
        case .int32(let v): return v.map { T(truncatingIfNeeded: $0) }
        case .int64(let v): return v.map { T(truncatingIfNeeded: $0) }
        case .uint8(let v): return v.map { T(truncatingIfNeeded: $0) }
        case .uint16(let v): return v.map { T(truncatingIfNeeded: $0) }
        case .uint32(let v): return v.map { T(truncatingIfNeeded: $0) }
        case .uint64(let v): return v.map { T(truncatingIfNeeded: $0) }
        case .bool(let v): return v.map { $0 ? 1 : 0 }
        case .string(let s):
            return try s.map { text in
                if let i = Int64(text.trimmingSpaces) { return T(truncatingIfNeeded: i) }
                return fromDouble(try Tensor.parse(text))
            }
        case .float(let v): return v.map { fromDouble(Double($0)) }
        case .double(let v): return v.map(fromDouble)
        case .float16(let v): return v.map { fromDouble(Double(Float(Float16(bitPattern: $0)))) }
        }
    }

    private func stringValues() throws -> [String] {
        switch storage {
        case .string(let s): return s
        case .float(let v): return v.map { Tensor.format(Double($0), $0.description) }
        case .double(let v): return v.map { Tensor.format($0, $0.description) }
        case .float16(let v): return v.map { let f = Float(Float16(bitPattern: $0)); return Tensor.format(Double(f), f.description) }
        case .bool(let v): return v.map { $0 ? "1" : "0" }
        default:
            guard let i = int64Values() else { throw ModelError.runtime("cannot cast \(dataType) to string") }
            if case .uint64(let u) = storage { return u.map { String($0) } }
            return i.map { String($0) }
        }
    }

    /// Numbers as text: integral values without ".0", special values as NaN / INF / -INF.
    private static func format(_ value: Double, _ text: String) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-INF" : "INF" }
        if text.hasSuffix(".0") { return String(text.dropLast(2)) }
        return text
    }

    /// Parses a number as ONNX's Cast from string does (decimal, scientific, NaN, INF).
    static func parse(_ text: String) throws -> Double {
        let t = text.trimmingSpaces
        switch t.lowercased() {
        case "nan", "+nan", "-nan": return .nan
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        default: break
        }
        guard let d = Double(t) else { throw ModelError.runtime("cannot parse '\(text)' as a number") }
        return d
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}

/// `Constant`: exactly one of `value`, `value_float(s)`, `value_int(s)`, `value_string(s)`.
struct ConstantOperator: Operator {
    let value: Tensor

    static func value(_ attributes: Attributes) throws -> Tensor {
        let names = ["value", "value_float", "value_floats", "value_int", "value_ints", "value_string", "value_strings", "sparse_value"]
        let present = names.filter { attributes.has($0) }
        guard present.count == 1, let name = present.first else {
            throw ModelError.invalidModel("exactly one value attribute is required, got \(present.isEmpty ? "none" : present.joined(separator: ", "))")
        }
        switch name {
        case "value": if let t = try attributes.tensor(name) { return t }
        case "value_float": if let f = try attributes.float(name) { return Tensor(scalar: f) }
        case "value_floats": if let f = try attributes.floats(name) { return Tensor(unchecked: [f.count], .float(f)) }
        case "value_int": if let i = try attributes.int(name) { return Tensor(scalar: Int64(i)) }
        case "value_ints": if let i = try attributes.ints(name) { return Tensor(unchecked: [i.count], .int64(i.map { Int64($0) })) }
        case "value_string": if let s = try attributes.string(name) { return Tensor(scalar: s) }
        case "value_strings": if let s = try attributes.strings(name) { return Tensor(unchecked: [s.count], .string(s)) }
        default: break
        }
        throw ModelError.unsupported("Constant with \(name) is not supported")
    }

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        [ValueFact(constant: value)]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        [.tensor(value)]
    }
}
