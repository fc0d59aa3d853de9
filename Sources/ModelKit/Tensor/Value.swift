/// A graph value: a tensor, or one of the non-tensor ONNX types the ML operators produce.
///
/// `ZipMap` (scikit-learn classifiers' probabilities) produces `.sequence` of `.map`s:
/// one map per row from class label (int64 or string) to probability.
public enum Value: Sendable, Equatable {
    case tensor(Tensor)
    case sequence([Value])
    case map(MapValue)

    /// The tensor, if this value is one.
    public var tensor: Tensor? {
        if case .tensor(let t) = self { return t }
        return nil
    }

    /// The elements, if this value is a sequence.
    public var sequence: [Value]? {
        if case .sequence(let s) = self { return s }
        return nil
    }

    /// The map, if this value is one.
    public var map: MapValue? {
        if case .map(let m) = self { return m }
        return nil
    }
}

/// An ONNX map as parallel arrays: `keys[i]` maps to element `i` of `values`.
public struct MapValue: Sendable, Equatable {
    /// The keys of an ONNX map: int64 or string (the key types scikit-learn exporters use).
    public enum Keys: Sendable, Equatable {
        case int64([Int64])
        case string([String])

        /// The number of keys.
        public var count: Int {
            switch self {
            case .int64(let k): return k.count
            case .string(let k): return k.count
            }
        }

        /// The key type as a `DataType`.
        public var dataType: DataType {
            switch self {
            case .int64: return .int64
            case .string: return .string
            }
        }
    }

    /// The keys, in the map's order.
    public let keys: Keys
    /// A 1-D tensor with one value per key.
    public let values: Tensor

    /// A map from `keys` to the elements of the 1-D tensor `values`; throws if the counts differ.
    public init(keys: Keys, values: Tensor) throws {
        guard values.rank == 1, values.elementCount == keys.count else {
            throw ModelError.invalidInput("a map needs one value per key: \(keys.count) keys, values of shape \(values.shape)")
        }
        self.keys = keys
        self.values = values
    }
}
