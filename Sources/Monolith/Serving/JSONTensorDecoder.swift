import HTTPKit
import ModelKit

/// Turns JSON tensor data into typed tensor storage: V2 `data`, V1 `instances`/`inputs`,
/// MLflow frames and seed `features` all end here.
///
/// Data may be flat or nested (row-major, KServe V2 "Tensor Data"); nested data must match
/// the shape level by level. Each JSON element is converted to the declared datatype or
/// rejected with its index: integers must be exact and in range, booleans are `true`/`false`
/// (or 0/1), BYTES are strings (or TF Serving's `{"b64": ...}` objects when allowed).
/// The element count is checked against the shape before anything is reserved.
enum JSONTensorDecoder {
    /// Decodes `data` for a tensor of `shape` (whose element count `count` the caller
    /// checked against the limits) and element type `dataType`.
    static func decode(
        _ data: JSONValue, shape: [Int], count: Int, dataType: DataType, name: String, allowBase64: Bool = false
    ) throws(ServingError) -> TensorStorage {
        var walker = Walker(shape: shape, count: count, name: name, type: dataType)
        switch dataType {
        case .float: return .float(try walker.collect(data) { Float(number: $0) })
        case .double: return .double(try walker.collect(data) { $0.double })
        case .float16: return .float16(try walker.collect(data) { Float(number: $0).map { Float16($0).bitPattern } })
        case .int8: return .int8(try walker.collect(data) { Int8(json: $0) })
        case .int16: return .int16(try walker.collect(data) { Int16(json: $0) })
        case .int32: return .int32(try walker.collect(data) { Int32(json: $0) })
        case .int64: return .int64(try walker.collect(data) { Int64(json: $0) })
        case .uint8: return .uint8(try walker.collect(data) { UInt8(json: $0) })
        case .uint16: return .uint16(try walker.collect(data) { UInt16(json: $0) })
        case .uint32: return .uint32(try walker.collect(data) { UInt32(json: $0) })
        case .uint64: return .uint64(try walker.collect(data) { UInt64(json: $0) })
        case .bool: return .bool(try walker.collect(data) { Bool(json: $0) })
        case .string:
            return .string(try walker.collect(data) { value in
                if case .string(let text) = value { return text }
                if allowBase64, case .object(let object) = value, object.count == 1,
                   case .string(let encoded)? = object["b64"], let bytes = Base64.decode(encoded) {
                    return String(validating: bytes, as: UTF8.self)
                }
                return nil
            })
        default:
            throw .badRequest("input '\(name)': the model takes \(dataType) tensors, which the server cannot decode")
        }
    }

    /// The shape of nested JSON arrays, read along the first elements (`[[1,2],[3,4]]` -> `[2, 2]`).
    ///
    /// A scalar has shape `[]`. Whether the nesting is rectangular is checked when decoding.
    static func inferShape(_ value: JSONValue) -> [Int] {
        var shape: [Int] = []
        var current = value
        while case .array(let elements) = current {
            shape.append(elements.count)
            guard let first = elements.first else { break }
            current = first
        }
        return shape
    }

    /// Walks flat or nested data, converting scalars in row-major order.
    private struct Walker {
        let shape: [Int]
        let count: Int
        let name: String
        let type: DataType
        var index = 0

        init(shape: [Int], count: Int, name: String, type: DataType) {
            self.shape = shape
            self.count = count
            self.name = name
            self.type = type
        }

        mutating func collect<T>(_ data: JSONValue, _ convert: (JSONValue) -> T?) throws(ServingError) -> [T] {
            var out: [T] = []
            guard case .array(let top) = data else {
                // A lone scalar for a one-element tensor (`"data": 5` for shape [1] or []).
                guard count == 1, let element = convert(data) else {
                    throw .badRequest("input '\(name)': data must be an array of \(count) element(s) for shape \(TensorSignature.describe(shape))")
                }
                return [element]
            }
            out.reserveCapacity(count)
            if let first = top.first, case .array = first {
                try nested(top, depth: 0, into: &out, convert)
            } else {
                guard top.count == count else {
                    throw .badRequest("input '\(name)': data has \(top.count) element(s) but shape \(TensorSignature.describe(shape)) needs \(count)")
                }
                for element in top {
                    guard let value = convert(element) else { throw elementError(element) }
                    out.append(value)
                    index += 1
                }
            }
            return out
        }

        private mutating func nested<T>(
            _ elements: [JSONValue], depth: Int, into out: inout [T], _ convert: (JSONValue) -> T?
        ) throws(ServingError) {
            guard depth < shape.count, elements.count == shape[depth] else {
                let want = depth < shape.count ? "\(shape[depth])" : "a scalar"
                throw .badRequest("input '\(name)': nested data does not match shape \(TensorSignature.describe(shape)): dimension \(depth) has \(elements.count) element(s), expected \(want)")
            }
            let last = depth == shape.count - 1
            for element in elements {
                if case .array(let inner) = element {
                    guard !last else {
                        throw .badRequest("input '\(name)': nested data is deeper than shape \(TensorSignature.describe(shape))")
                    }
                    try nested(inner, depth: depth + 1, into: &out, convert)
                } else {
                    guard last else {
                        throw .badRequest("input '\(name)': nested data does not match shape \(TensorSignature.describe(shape)): a scalar where dimension \(depth + 1) was expected")
                    }
                    guard let value = convert(element) else { throw elementError(element) }
                    out.append(value)
                    index += 1
                }
            }
        }

        private func elementError(_ element: JSONValue) -> ServingError {
            let datatype = type.v2Name ?? type.onnxName
            var shown: String
            switch element {
            case .string(let s): shown = "\"\(s.prefix(32))\""
            case .integer(let i): shown = String(i)
            case .double(let d): shown = String(d)
            case .bool(let b): shown = String(b)
            case .null: shown = "null"
            case .array: shown = "an array"
            case .object: shown = "an object"
            }
            let why = element.isNumber && type.isInteger ? "is not an integer in the range of" : "is not a valid"
            return .badRequest("input '\(name)': element \(index) (\(shown)) \(why) \(datatype)")
        }
    }
}

extension JSONValue {
    /// Whether this is a number.
    var isNumber: Bool {
        switch self {
        case .integer, .double: return true
        default: return false
        }
    }
}

extension Float {
    /// A JSON number as `Float` (rounded to nearest); `nil` for other JSON values.
    @inline(__always)
    init?(number value: JSONValue) {
        switch value {
        case .double(let d): self = Float(d)
        case .integer(let i): self = Float(i)
        default: return nil
        }
    }
}

extension FixedWidthInteger {
    /// A JSON number that is exactly an integer in range; `nil` otherwise.
    @inline(__always)
    init?(json value: JSONValue) {
        switch value {
        case .integer(let i): self.init(exactly: i)
        case .double(let d):
            guard d.isFinite else { return nil }
            self.init(exactly: d)
        default: return nil
        }
    }
}

extension Bool {
    /// `true`/`false`, or the integers 1/0.
    init?(json value: JSONValue) {
        switch value {
        case .bool(let b): self = b
        case .integer(0): self = false
        case .integer(1): self = true
        default: return nil
        }
    }
}
