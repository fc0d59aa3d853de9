import HTTPKit
import ModelKit

/// Writes model outputs in the row and columnar JSON forms of TF Serving (and MLflow, which
/// follows them).
enum RowOutputs {
    /// TF Serving row format: one output → a list with each row's value; several outputs →
    /// a list of objects, one per row, from output name to that row's value. Every output
    /// must share its first (batch) dimension.
    static func writeRows(_ outputs: [OutputTensor], into json: inout JSONWriter) throws(ServingError) {
        let rows = try batchSize(outputs)
        json.beginArray()
        if outputs.count == 1, let only = outputs.first {
            for row in 0..<rows { TensorJSON.writeRow(only.tensor, row, into: &json) }
        } else {
            for row in 0..<rows {
                json.beginObject()
                for output in outputs {
                    json.key(output.name)
                    TensorJSON.writeRow(output.tensor, row, into: &json)
                }
                json.endObject()
            }
        }
        json.endArray()
    }

    /// TF Serving columnar format: one output → its nested value; several → an object from
    /// output name to nested value.
    static func writeColumns(_ outputs: [OutputTensor], into json: inout JSONWriter) {
        if outputs.count == 1, let only = outputs.first {
            TensorJSON.writeTensor(only.tensor, into: &json)
            return
        }
        json.beginObject()
        for output in outputs {
            json.key(output.name)
            TensorJSON.writeTensor(output.tensor, into: &json)
        }
        json.endObject()
    }

    /// The common first dimension of `outputs`, or a 400 when they have none.
    static func batchSize(_ outputs: [OutputTensor]) throws(ServingError) -> Int {
        var rows: Int?
        for output in outputs {
            guard let first = output.tensor.shape.first else {
                throw .badRequest("output '\(output.name)' is a scalar and has no rows; use the columnar format ('inputs')")
            }
            if let rows, rows != first {
                throw .badRequest("the outputs have different batch sizes (\(outputs.map { "\($0.name): \($0.tensor.shape.first ?? 0)" }.joined(separator: ", "))); use the columnar format ('inputs')")
            }
            rows = first
        }
        return rows ?? 0
    }
}
