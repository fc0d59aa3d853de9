/// A Swift type that can be the element of a `Tensor` (`Float`, `Double`, `Int8`...`UInt64`, `Bool`, `String`).
///
/// Half-precision tensors are made with `Tensor(shape:float16Bits:)` since they are stored as
/// `UInt16` bit patterns; `UInt16` itself maps to `DataType.uint16`.
public protocol TensorElement: Sendable {
    /// The `DataType` of tensors of this element.
    static var dataType: DataType { get }
    /// Wraps `values` as a storage buffer.
    static func storage(_ values: [Self]) -> TensorStorage
    /// The values of `storage` when it holds this element type, else `nil`.
    static func values(of storage: TensorStorage) -> [Self]?
}

extension Float: TensorElement {
    public static var dataType: DataType { .float }
    public static func storage(_ values: [Float]) -> TensorStorage { .float(values) }
    public static func values(of storage: TensorStorage) -> [Float]? {
        if case .float(let v) = storage { return v } else { return nil }
    }
}

extension Double: TensorElement {
    public static var dataType: DataType { .double }
    public static func storage(_ values: [Double]) -> TensorStorage { .double(values) }
    public static func values(of storage: TensorStorage) -> [Double]? {
        if case .double(let v) = storage { return v } else { return nil }
    }
}

extension Int8: TensorElement {
    public static var dataType: DataType { .int8 }
    public static func storage(_ values: [Int8]) -> TensorStorage { .int8(values) }
    public static func values(of storage: TensorStorage) -> [Int8]? {
        if case .int8(let v) = storage { return v } else { return nil }
    }
}

extension Int16: TensorElement {
    public static var dataType: DataType { .int16 }
    public static func storage(_ values: [Int16]) -> TensorStorage { .int16(values) }
    public static func values(of storage: TensorStorage) -> [Int16]? {
        if case .int16(let v) = storage { return v } else { return nil }
    }
}

extension Int32: TensorElement {
    public static var dataType: DataType { .int32 }
    public static func storage(_ values: [Int32]) -> TensorStorage { .int32(values) }
    public static func values(of storage: TensorStorage) -> [Int32]? {
        if case .int32(let v) = storage { return v } else { return nil }
    }
}

extension Int64: TensorElement {
    public static var dataType: DataType { .int64 }
    public static func storage(_ values: [Int64]) -> TensorStorage { .int64(values) }
    public static func values(of storage: TensorStorage) -> [Int64]? {
        if case .int64(let v) = storage { return v } else { return nil }
    }
}

extension UInt8: TensorElement {
    public static var dataType: DataType { .uint8 }
    public static func storage(_ values: [UInt8]) -> TensorStorage { .uint8(values) }
    public static func values(of storage: TensorStorage) -> [UInt8]? {
        if case .uint8(let v) = storage { return v } else { return nil }
    }
}

extension UInt16: TensorElement {
    public static var dataType: DataType { .uint16 }
    public static func storage(_ values: [UInt16]) -> TensorStorage { .uint16(values) }
    public static func values(of storage: TensorStorage) -> [UInt16]? {
        if case .uint16(let v) = storage { return v } else { return nil }
    }
}

extension UInt32: TensorElement {
    public static var dataType: DataType { .uint32 }
    public static func storage(_ values: [UInt32]) -> TensorStorage { .uint32(values) }
    public static func values(of storage: TensorStorage) -> [UInt32]? {
        if case .uint32(let v) = storage { return v } else { return nil }
    }
}

extension UInt64: TensorElement {
    public static var dataType: DataType { .uint64 }
    public static func storage(_ values: [UInt64]) -> TensorStorage { .uint64(values) }
    public static func values(of storage: TensorStorage) -> [UInt64]? {
        if case .uint64(let v) = storage { return v } else { return nil }
    }
}

extension Bool: TensorElement {
    public static var dataType: DataType { .bool }
    public static func storage(_ values: [Bool]) -> TensorStorage { .bool(values) }
    public static func values(of storage: TensorStorage) -> [Bool]? {
        if case .bool(let v) = storage { return v } else { return nil }
    }
}

extension String: TensorElement {
    public static var dataType: DataType { .string }
    public static func storage(_ values: [String]) -> TensorStorage { .string(values) }
    public static func values(of storage: TensorStorage) -> [String]? {
        if case .string(let v) = storage { return v } else { return nil }
    }
}
