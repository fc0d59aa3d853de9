/// The typed element buffer of a `Tensor`, one case per supported `DataType`.
///
/// Mirrors ONNX's storage classes the way GRDB's `DatabaseValue.Storage` mirrors SQLite's.
/// `float16` holds IEEE-754 half-precision bit patterns; they are converted to `Float` on use.
public enum TensorStorage: Sendable, Equatable {
    case float([Float])
    case double([Double])
    case float16([UInt16])
    case int8([Int8])
    case int16([Int16])
    case int32([Int32])
    case int64([Int64])
    case uint8([UInt8])
    case uint16([UInt16])
    case uint32([UInt32])
    case uint64([UInt64])
    case bool([Bool])
    case string([String])

    /// The element type of the buffer.
    public var dataType: DataType {
        switch self {
        case .float: return .float
        case .double: return .double
        case .float16: return .float16
        case .int8: return .int8
        case .int16: return .int16
        case .int32: return .int32
        case .int64: return .int64
        case .uint8: return .uint8
        case .uint16: return .uint16
        case .uint32: return .uint32
        case .uint64: return .uint64
        case .bool: return .bool
        case .string: return .string
        }
    }

    /// The number of elements.
    public var count: Int {
        switch self {
        case .float(let v): return v.count
        case .double(let v): return v.count
        case .float16(let v): return v.count
        case .int8(let v): return v.count
        case .int16(let v): return v.count
        case .int32(let v): return v.count
        case .int64(let v): return v.count
        case .uint8(let v): return v.count
        case .uint16(let v): return v.count
        case .uint32(let v): return v.count
        case .uint64(let v): return v.count
        case .bool(let v): return v.count
        case .string(let v): return v.count
        }
    }

    /// A buffer of `count` zeros (false, empty strings) of `dataType`; `nil` if the type is unsupported.
    static func zeros(_ dataType: DataType, count: Int) -> TensorStorage? {
        switch dataType {
        case .float: return .float(Array(repeating: 0, count: count))
        case .double: return .double(Array(repeating: 0, count: count))
        case .float16: return .float16(Array(repeating: 0, count: count))
        case .int8: return .int8(Array(repeating: 0, count: count))
        case .int16: return .int16(Array(repeating: 0, count: count))
        case .int32: return .int32(Array(repeating: 0, count: count))
        case .int64: return .int64(Array(repeating: 0, count: count))
        case .uint8: return .uint8(Array(repeating: 0, count: count))
        case .uint16: return .uint16(Array(repeating: 0, count: count))
        case .uint32: return .uint32(Array(repeating: 0, count: count))
        case .uint64: return .uint64(Array(repeating: 0, count: count))
        case .bool: return .bool(Array(repeating: false, count: count))
        case .string: return .string(Array(repeating: "", count: count))
        default: return nil
        }
    }

    /// The elements at `indices` (in order), of the same type: the one primitive shape ops need.
    ///
    /// Callers guarantee every index is in range (they derive them from checked shapes).
    func gathering(_ indices: [Int]) -> TensorStorage {
        switch self {
        case .float(let v): return .float(indices.map { v[$0] })
        case .double(let v): return .double(indices.map { v[$0] })
        case .float16(let v): return .float16(indices.map { v[$0] })
        case .int8(let v): return .int8(indices.map { v[$0] })
        case .int16(let v): return .int16(indices.map { v[$0] })
        case .int32(let v): return .int32(indices.map { v[$0] })
        case .int64(let v): return .int64(indices.map { v[$0] })
        case .uint8(let v): return .uint8(indices.map { v[$0] })
        case .uint16(let v): return .uint16(indices.map { v[$0] })
        case .uint32(let v): return .uint32(indices.map { v[$0] })
        case .uint64(let v): return .uint64(indices.map { v[$0] })
        case .bool(let v): return .bool(indices.map { v[$0] })
        case .string(let v): return .string(indices.map { v[$0] })
        }
    }
}
