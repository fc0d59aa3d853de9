/// A model input or output as clients see it: name, kind, element type and shape.
public struct ValueDescription: Sendable, Hashable {
    /// What kind of value it is.
    public enum Kind: String, Sendable, Hashable {
        case tensor, sequence, map
    }

    /// The graph name of the value.
    public let name: String
    /// The full type (tensor element type + dimensions, or sequence/map structure).
    public let type: ValueType

    public init(name: String, type: ValueType) {
        self.name = name
        self.type = type
    }

    /// Tensor, sequence or map.
    public var kind: Kind {
        switch type {
        case .tensor: return .tensor
        case .sequence: return .sequence
        case .map: return .map
        }
    }

    /// The tensor element type; for a sequence or map, that of the innermost tensor (map values).
    public var elementType: DataType {
        var t = type
        while true {
            switch t {
            case .tensor(let e, _): return e
            case .sequence(let inner): t = inner
            case .map(_, let value): t = value
            }
        }
    }

    /// The dimensions of a tensor (`nil` when the rank is unknown or for sequences and maps).
    public var dimensions: [Dimension]? { type.tensorShape }

    /// The shape with -1 for every variable dimension (`nil` when unknown or not a tensor).
    public var shape: [Int]? { type.tensorShape?.map(\.value) }
}

/// What the model file says about itself.
public struct ModelMetadata: Sendable, Hashable {
    /// ONNX IR version.
    public let irVersion: Int64
    /// `producer_name`, e.g. `skl2onnx`, `pytorch`.
    public let producerName: String
    public let producerVersion: String
    /// The model's own `domain` and `model_version`.
    public let domain: String
    public let modelVersion: Int64
    public let docString: String
    /// The graph's name.
    public let graphName: String
    /// Imported opsets by domain (`ai.onnx` for the default domain); duplicates resolved to the highest.
    public let opsets: [String: Int]
    /// `metadata_props` in file order.
    public let properties: [(key: String, value: String)]

    public static func == (a: ModelMetadata, b: ModelMetadata) -> Bool {
        a.irVersion == b.irVersion && a.producerName == b.producerName && a.producerVersion == b.producerVersion
            && a.domain == b.domain && a.modelVersion == b.modelVersion && a.docString == b.docString
            && a.graphName == b.graphName && a.opsets == b.opsets
            && a.properties.map(\.key) == b.properties.map(\.key) && a.properties.map(\.value) == b.properties.map(\.value)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(producerName)
        hasher.combine(producerVersion)
        hasher.combine(irVersion)
    }
}
