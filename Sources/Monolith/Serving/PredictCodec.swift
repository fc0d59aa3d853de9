import HTTPKit
import ModelKit

/// The seed FastAPI services' `POST /predict`: `{"features": [...]}` (one row) or
/// `{"instances": [[...], ...]}` (rows) → `{"predictions": [...], "model", "model_version"}`.
///
/// A row is a list of feature values (a single-input model takes it as one row of its
/// input) or an object naming each input. Regressors answer one value per row (a list
/// when a row's output has several values). Classifiers — a label output followed by a
/// probabilities output, as scikit-learn exporters write them — answer the labels as
/// `predictions`, the per-class probabilities as `probabilities` (one list per row) and,
/// when the model names them (ZipMap), the class labels as `classes`.
enum PredictCodec {
    /// Decodes the body into feeds.
    static func decode(_ body: [UInt8], signature: ModelSignature, limits: ServingLimits) throws(ServingError) -> [String: Tensor] {
        try limits.checkJSON(body.count)
        let root: JSONValue
        do {
            root = try JSONParser().parse(body)
        } catch {
            throw .json(error)
        }
        guard case .object(let object) = root else {
            throw .badRequest("the body must be a JSON object with 'features' (one row) or 'instances' (rows), got \(root.typeName)")
        }
        let features = object["features"], instances = object["instances"]
        if features != nil && instances != nil {
            throw .badRequest("the body has both 'features' and 'instances'; send exactly one")
        }
        if let features {
            switch features {
            case .array, .object: return try FeedBuilder.feeds(rows: [features], signature: signature, limits: limits)
            default: throw .badRequest("'features' must be a list of values (one row) or an object naming the inputs, got \(features.typeName)")
            }
        }
        if let instances {
            guard case .array(let rows) = instances, !rows.isEmpty else {
                throw .badRequest("'instances' must be a non-empty list of rows")
            }
            return try FeedBuilder.feeds(rows: rows, signature: signature, limits: limits)
        }
        throw .badRequest("the body must have 'features' (one row) or 'instances' (a list of rows)")
    }

    /// Whether `outputs` look like a classifier's: a label tensor of rank 1 then a
    /// probabilities tensor of rank 2 with the same number of rows.
    static func isClassifier(_ outputs: [OutputTensor]) -> Bool {
        guard outputs.count == 2 else { return false }
        let label = outputs[0].tensor, probabilities = outputs[1].tensor
        return (label.dataType == .int64 || label.dataType == .string || label.dataType == .int32)
            && label.rank == 1 && probabilities.rank == 2 && probabilities.dataType.isFloatingPoint
            && probabilities.shape[0] == label.shape[0]
    }

    /// Encodes the answer.
    static func encode(_ outputs: [OutputTensor], model: String, version: String) throws(ServingError) -> [UInt8] {
        var json = JSONWriter(capacity: 96)
        json.beginObject()
        json.key("predictions")
        if isClassifier(outputs) {
            let labels = outputs[0].tensor, probabilities = outputs[1]
            TensorJSON.writeFlat(labels.storage, into: &json)
            json.key("probabilities")
            TensorJSON.writeTensor(probabilities.tensor, into: &json)
            if let classes = probabilities.labels {
                json.key("classes")
                switch classes {
                case .integers(let values): json.numbers(values)
                case .strings(let values):
                    json.beginArray()
                    for value in values { json.string(value) }
                    json.endArray()
                }
            }
        } else if let first = outputs.first {
            try writePredictions(first, into: &json)
        } else {
            json.beginArray()
            json.endArray()
        }
        json.key("model"); json.string(model)
        json.key("model_version"); json.string(version)
        json.endObject()
        return json.bytes
    }

    /// One value per row: a scalar when a row holds one element, else the row nested.
    private static func writePredictions(_ output: OutputTensor, into json: inout JSONWriter) throws(ServingError) {
        let tensor = output.tensor
        guard let rows = tensor.shape.first else {
            json.beginArray()
            TensorJSON.writeElement(tensor.storage, 0, into: &json)
            json.endArray()
            return
        }
        let perRow = rows == 0 ? 0 : tensor.elementCount / rows
        if perRow == 1 {
            TensorJSON.writeFlat(tensor.storage, into: &json)
        } else {
            json.beginArray()
            for row in 0..<rows { TensorJSON.writeRow(tensor, row, into: &json) }
            json.endArray()
        }
    }
}
