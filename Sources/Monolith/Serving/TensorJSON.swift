import HTTPKit
import ModelKit

/// Writes tensor elements as JSON: flat (V2 `data`), or nested per dimension (V1, MLflow, seed).
///
/// Floats are printed shortest round-trip by `JSONWriter` (0.1 as `0.1`); FP16 through
/// `Float16` so its shortest text is used; non-finite values follow the writer's style
/// (`null` for V2, `NaN`/`Infinity` literals for TF Serving).
enum TensorJSON {
    /// Writes every element of `storage` as one flat JSON array.
    static func writeFlat(_ storage: TensorStorage, into json: inout JSONWriter) {
        writeRange(storage, 0..<storage.count, into: &json)
    }

    /// Writes elements `range` of `storage` as one flat array.
    static func writeRange(_ storage: TensorStorage, _ range: Range<Int>, into json: inout JSONWriter) {
        json.beginArray()
        for i in range { writeElement(storage, i, into: &json) }
        json.endArray()
    }

    /// Writes element `i` of `storage` (the caller keeps `i` in range).
    @inline(__always)
    static func writeElement(_ storage: TensorStorage, _ i: Int, into json: inout JSONWriter) {
        switch storage {
        case .float(let v): json.number(v[i])
        case .double(let v): json.number(v[i])
        case .float16(let v):
            let half = Float16(bitPattern: v[i])
            if half.isFinite { json.raw(half.description.utf8) } else { json.number(Float(half)) }
        case .int8(let v): json.number(Int64(v[i]))
        case .int16(let v): json.number(Int64(v[i]))
        case .int32(let v): json.number(Int64(v[i]))
        case .int64(let v): json.number(v[i])
        case .uint8(let v): json.number(Int64(v[i]))
        case .uint16(let v): json.number(Int64(v[i]))
        case .uint32(let v): json.number(Int64(v[i]))
        case .uint64(let v): json.number(v[i])
        case .bool(let v): json.bool(v[i])
        case .string(let v): json.string(v[i])
        }
    }

    /// Writes the elements `offset..<offset + product(shape)` of `storage` nested along `shape`
    /// (`shape == []` writes one scalar).
    static func writeNested(_ storage: TensorStorage, shape: ArraySlice<Int>, offset: Int, into json: inout JSONWriter) {
        guard let first = shape.first else {
            writeElement(storage, offset, into: &json)
            return
        }
        if shape.count == 1 {
            writeRange(storage, offset..<(offset + first), into: &json)
            return
        }
        let inner = shape.dropFirst()
        let stride = inner.reduce(1, &*)
        json.beginArray()
        for row in 0..<first {
            writeNested(storage, shape: inner, offset: offset &+ row &* stride, into: &json)
        }
        json.endArray()
    }

    /// Writes row `row` of `tensor` (its first dimension) nested; a rank-1 tensor's row is a scalar.
    static func writeRow(_ tensor: Tensor, _ row: Int, into json: inout JSONWriter) {
        let inner = tensor.shape.dropFirst()
        let stride = inner.reduce(1, &*)
        writeNested(tensor.storage, shape: inner, offset: row &* stride, into: &json)
    }

    /// Writes the whole tensor nested along its shape.
    static func writeTensor(_ tensor: Tensor, into json: inout JSONWriter) {
        writeNested(tensor.storage, shape: tensor.shape[...], offset: 0, into: &json)
    }

    /// Compact JSON text of `value`, for error messages (truncated to 80 characters).
    static func text(of value: JSONValue) -> String {
        var json = JSONWriter()
        json.value(value)
        let text = String(decoding: json.bytes, as: UTF8.self)
        return text.count > 80 ? String(text.prefix(77)) + "..." : text
    }
}
