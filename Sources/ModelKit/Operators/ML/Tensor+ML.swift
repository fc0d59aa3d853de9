/// Storage helpers the ai.onnx.ml operators need.
extension TensorStorage {
    /// The elements of a float or double buffer as `Double`; `nil` for other types.
    var doubleList: [Double]? {
        switch self {
        case .float(let v): return v.map { Double($0) }
        case .double(let v): return v
        default: return nil
        }
    }

    /// This buffer followed by the elements of `other`, which must have the same type.
    func appending(_ other: TensorStorage) throws -> TensorStorage {
        switch (self, other) {
        case (.float(let a), .float(let b)): return .float(a + b)
        case (.double(let a), .double(let b)): return .double(a + b)
        case (.int64(let a), .int64(let b)): return .int64(a + b)
        case (.int32(let a), .int32(let b)): return .int32(a + b)
        case (.int16(let a), .int16(let b)): return .int16(a + b)
        case (.string(let a), .string(let b)): return .string(a + b)
        default: throw ModelError.invalidModel("cannot append \(other.dataType) values to \(dataType) values")
        }
    }
}
