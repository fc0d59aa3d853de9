/// A node's attributes by name, with typed accessors that reject the wrong attribute type.
///
/// Accessors throw `.invalidModel` naming the attribute and both types, so a model with e.g.
/// `alpha` stored as INTS fails at load with `attribute 'alpha' must be FLOAT, got INTS`.
struct Attributes {
    private let values: [String: AttributeProto.Value]
    private let limits: ModelLimits

    init(_ list: [AttributeProto], limits: ModelLimits) throws {
        var values: [String: AttributeProto.Value] = [:]
        for attribute in list {
            guard attribute.refAttrName.isEmpty else {
                throw ModelError.unsupported("attribute '\(attribute.name)' refers to a function attribute ('\(attribute.refAttrName)'), which is only valid inside functions")
            }
            if case .unsupported(let kind) = attribute.value {
                let hint = kind.hasPrefix("GRAPH") ? " (subgraphs: If/Loop/Scan bodies are not supported)" : ""
                throw ModelError.unsupported("attribute '\(attribute.name)' has type \(kind), which is not supported\(hint)")
            }
            guard values[attribute.name] == nil else {
                throw ModelError.invalidModel("attribute '\(attribute.name)' appears twice")
            }
            values[attribute.name] = attribute.value
        }
        self.values = values
        self.limits = limits
    }

    /// The attribute names present.
    var names: [String] { Array(values.keys) }

    /// Whether `name` is present.
    func has(_ name: String) -> Bool { values[name] != nil }

    private func mismatch(_ name: String, _ expected: String, _ got: AttributeProto.Value) -> ModelError {
        .invalidModel("attribute '\(name)' must be \(expected), got \(got.typeName)")
    }

    /// An INT attribute, or `nil` when absent.
    func int(_ name: String) throws -> Int? {
        guard let v = values[name] else { return nil }
        guard case .int(let i) = v else { throw mismatch(name, "INT", v) }
        return Int(i)
    }

    /// An INT attribute, or `defaultValue` when absent.
    func int(_ name: String, default defaultValue: Int) throws -> Int {
        try int(name) ?? defaultValue
    }

    /// A FLOAT attribute, or `nil` when absent.
    func float(_ name: String) throws -> Float? {
        guard let v = values[name] else { return nil }
        guard case .float(let f) = v else { throw mismatch(name, "FLOAT", v) }
        return f
    }

    /// A FLOAT attribute, or `defaultValue` when absent.
    func float(_ name: String, default defaultValue: Float) throws -> Float {
        try float(name) ?? defaultValue
    }

    /// A STRING attribute (UTF-8), or `nil` when absent.
    func string(_ name: String) throws -> String? {
        guard let v = values[name] else { return nil }
        guard case .string(let s) = v else { throw mismatch(name, "STRING", v) }
        return String(decoding: s, as: UTF8.self)
    }

    /// An INTS attribute, or `nil` when absent.
    func ints(_ name: String) throws -> [Int]? {
        guard let v = values[name] else { return nil }
        guard case .ints(let list) = v else { throw mismatch(name, "INTS", v) }
        return list.map { Int($0) }
    }

    /// A FLOATS attribute, or `nil` when absent.
    func floats(_ name: String) throws -> [Float]? {
        guard let v = values[name] else { return nil }
        guard case .floats(let list) = v else { throw mismatch(name, "FLOATS", v) }
        return list
    }

    /// A STRINGS attribute, or `nil` when absent.
    func strings(_ name: String) throws -> [String]? {
        guard let v = values[name] else { return nil }
        guard case .strings(let list) = v else { throw mismatch(name, "STRINGS", v) }
        return list.map { String(decoding: $0, as: UTF8.self) }
    }

    /// A TENSOR attribute converted to a `Tensor` (limits checked), or `nil` when absent.
    func tensor(_ name: String) throws -> Tensor? {
        guard let v = values[name] else { return nil }
        guard case .tensor(let t) = v else { throw mismatch(name, "TENSOR", v) }
        return try t.makeTensor(limits: limits, what: "attribute '\(name)'")
    }

    /// A TENSORS attribute converted to `Tensor`s, or `nil` when absent.
    func tensors(_ name: String) throws -> [Tensor]? {
        guard let v = values[name] else { return nil }
        guard case .tensors(let list) = v else { throw mismatch(name, "TENSORS", v) }
        return try list.map { try $0.makeTensor(limits: limits, what: "attribute '\(name)'") }
    }

    /// The ONNX type name of attribute `name`, if present.
    func typeName(_ name: String) -> String? { values[name]?.typeName }
}
