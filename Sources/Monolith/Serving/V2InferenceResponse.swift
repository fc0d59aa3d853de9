import HTTPKit
import ModelKit

/// Encodes an Open Inference Protocol (KServe V2) inference response.
///
/// Outputs go in request order (model order when none were named). An output asked for as
/// binary (its `binary_data`, else the request's `binary_data_output`) carries
/// `parameters.binary_data_size` and its bytes follow the JSON, in output order; the
/// response then needs `Inference-Header-Content-Length` (`headerLength`). An output with
/// `classification: N` is replaced by the top-N classes of each row as BYTES
/// `"value:index[:label]"` (Triton classification extension).
struct V2InferenceResponse: Sendable {
    /// The whole body: the JSON header, then any binary output data.
    var body: [UInt8]
    /// The JSON header's length when binary data follows it, else `nil`.
    var headerLength: Int?

    /// Encodes `outputs` (already computed, in response order) for `request`.
    init(modelName: String, modelVersion: String, request: V2InferenceRequest, outputs: [OutputTensor]) throws(ServingError) {
        var json = JSONWriter(capacity: 256)
        var binary: [UInt8] = []
        var anyBinary = false
        json.beginObject()
        json.key("model_name"); json.string(modelName)
        json.key("model_version"); json.string(modelVersion)
        if let id = request.id { json.key("id"); json.string(id) }
        json.key("outputs")
        json.beginArray()
        for output in outputs {
            let settings = request.outputs?.first { $0.name == output.name }
            var output = output
            if let top = settings?.classification {
                output = try V2InferenceResponse.classify(output, top: top)
            }
            let asBinary = settings?.binaryData ?? request.binaryDataOutput
            json.beginObject()
            json.key("name"); json.string(output.name)
            json.key("datatype"); json.string(output.tensor.dataType.v2Name ?? output.tensor.dataType.onnxName.uppercased())
            json.key("shape"); json.numbers(output.tensor.shape)
            if asBinary {
                anyBinary = true
                let size = BinaryTensorCodec.encode(output.tensor.storage, into: &binary)
                json.key("parameters")
                json.beginObject()
                json.key("binary_data_size"); json.number(size)
                json.endObject()
            } else {
                json.key("data")
                TensorJSON.writeFlat(output.tensor.storage, into: &json)
            }
            json.endObject()
        }
        json.endArray()
        json.endObject()
        body = json.bytes
        if !anyBinary {
            headerLength = nil
        } else {
            headerLength = body.count
            body.append(contentsOf: binary)
        }
    }

    /// The top `count` classes of each row of `output` as `"value:index[:label]"` strings.
    ///
    /// A rank-1 output is one row (result shape `[count]`); otherwise the first dimension is
    /// the batch and the rest are the classes (result `[batch, count]`). `count` is capped at
    /// the number of classes. Ties keep the lower index first.
    static func classify(_ output: OutputTensor, top count: Int) throws(ServingError) -> OutputTensor {
        let tensor = output.tensor
        guard tensor.rank >= 1, let values = tensor.doubleValues() else {
            throw .badRequest("output '\(output.name)': classification needs a numeric output of rank 1 or more, got \(tensor.dataType) \(TensorSignature.describe(tensor.shape))")
        }
        let rows = tensor.rank == 1 ? 1 : tensor.shape[0]
        let classes = rows == 0 ? 0 : values.count / rows
        let n = min(count, classes)
        var strings: [String] = []
        strings.reserveCapacity(rows * n)
        for row in 0..<rows {
            let base = row * classes
            let order = (0..<classes).sorted { a, b in
                let va = values[base + a], vb = values[base + b]
                return va > vb || (va == vb && a < b)
            }
            for index in order.prefix(n) {
                var text = TensorJSON.scalarText(tensor.storage, base + index) + ":" + String(index)
                if let labels = output.labels { text += ":" + labels.text(index) }
                strings.append(text)
            }
        }
        let shape = tensor.rank == 1 ? [n] : [rows, n]
        guard let result = try? Tensor(shape: shape, storage: .string(strings)) else {
            throw ServingError(.internal, "output '\(output.name)': classification produced an inconsistent tensor")
        }
        return OutputTensor(name: output.name, tensor: result)
    }
}

extension TensorJSON {
    /// The text of one element as the JSON writer prints numbers (`0.25`, `3`, `true`).
    static func scalarText(_ storage: TensorStorage, _ i: Int) -> String {
        var json = JSONWriter(capacity: 24)
        writeElement(storage, i, into: &json)
        return String(decoding: json.bytes, as: UTF8.self)
    }
}
