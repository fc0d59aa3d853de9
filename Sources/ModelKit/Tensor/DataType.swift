/// The element type of a tensor, mirroring ONNX `TensorProto.DataType` (same raw values).
///
/// Every ONNX value is listed so a model can be described precisely; `isSupported` says
/// which ones `Tensor` can hold (the rest make a model fail at load).
public enum DataType: Int32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case undefined = 0
    case float = 1
    case uint8 = 2
    case int8 = 3
    case uint16 = 4
    case int16 = 5
    case int32 = 6
    case int64 = 7
    case string = 8
    case bool = 9
    case float16 = 10
    case double = 11
    case uint32 = 12
    case uint64 = 13
    case complex64 = 14
    case complex128 = 15
    case bfloat16 = 16
    case float8e4m3fn = 17
    case float8e4m3fnuz = 18
    case float8e5m2 = 19
    case float8e5m2fnuz = 20
    case uint4 = 21
    case int4 = 22
    case float4e2m1 = 23
    case float8e8m0 = 24
    case uint2 = 25
    case int2 = 26
    case float6e2m3 = 27
    case float6e3m2 = 28

    /// Whether `Tensor` can store elements of this type.
    public var isSupported: Bool {
        switch self {
        case .float, .double, .float16, .int8, .int16, .int32, .int64,
             .uint8, .uint16, .uint32, .uint64, .bool, .string:
            return true
        default:
            return false
        }
    }

    /// Whether the type is a floating-point type (float16, float, double).
    public var isFloatingPoint: Bool { self == .float || self == .double || self == .float16 }

    /// Whether the type is a signed or unsigned integer type.
    public var isInteger: Bool {
        switch self {
        case .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64: return true
        default: return false
        }
    }

    /// Whether the type is numeric (integer or floating point; not bool or string).
    public var isNumeric: Bool { isInteger || isFloatingPoint }

    /// Bytes per element in ONNX `raw_data` (little-endian); `nil` for strings and sub-byte types.
    public var byteSize: Int? {
        switch self {
        case .float, .int32, .uint32: return 4
        case .double, .int64, .uint64: return 8
        case .float16, .bfloat16, .int16, .uint16: return 2
        case .int8, .uint8, .bool: return 1
        case .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0: return 1
        case .complex64: return 8
        case .complex128: return 16
        default: return nil
        }
    }

    /// The ONNX spelling used in type strings, e.g. `float` in `tensor(float)`.
    public var onnxName: String {
        switch self {
        case .undefined: return "undefined"
        case .float: return "float"
        case .uint8: return "uint8"
        case .int8: return "int8"
        case .uint16: return "uint16"
        case .int16: return "int16"
        case .int32: return "int32"
        case .int64: return "int64"
        case .string: return "string"
        case .bool: return "bool"
        case .float16: return "float16"
        case .double: return "double"
        case .uint32: return "uint32"
        case .uint64: return "uint64"
        case .complex64: return "complex64"
        case .complex128: return "complex128"
        case .bfloat16: return "bfloat16"
        case .float8e4m3fn: return "float8e4m3fn"
        case .float8e4m3fnuz: return "float8e4m3fnuz"
        case .float8e5m2: return "float8e5m2"
        case .float8e5m2fnuz: return "float8e5m2fnuz"
        case .uint4: return "uint4"
        case .int4: return "int4"
        case .float4e2m1: return "float4e2m1"
        case .float8e8m0: return "float8e8m0"
        case .uint2: return "uint2"
        case .int2: return "int2"
        case .float6e2m3: return "float6e2m3"
        case .float6e3m2: return "float6e3m2"
        }
    }

    /// The Open Inference Protocol (KServe V2) datatype name, e.g. `FP32`; `nil` if it has none.
    public var v2Name: String? {
        switch self {
        case .bool: return "BOOL"
        case .uint8: return "UINT8"
        case .uint16: return "UINT16"
        case .uint32: return "UINT32"
        case .uint64: return "UINT64"
        case .int8: return "INT8"
        case .int16: return "INT16"
        case .int32: return "INT32"
        case .int64: return "INT64"
        case .float16: return "FP16"
        case .float: return "FP32"
        case .double: return "FP64"
        case .string: return "BYTES"
        case .bfloat16: return "BF16"
        default: return nil
        }
    }

    /// The type named by an Open Inference Protocol datatype (`FP32`, `INT64`, `BYTES`...), if supported.
    public init?(v2Name: String) {
        guard let match = DataType.allCases.first(where: { $0.isSupported && $0.v2Name == v2Name }) else { return nil }
        self = match
    }

    public var description: String { onnxName }

    /// The type for a raw ONNX `elem_type` / `data_type` value; `nil` for values ONNX does not define.
    init?(onnx raw: Int64) {
        guard let narrow = Int32(exactly: raw), let type = DataType(rawValue: narrow) else { return nil }
        self = type
    }
}
