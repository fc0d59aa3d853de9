import HTTPKit
import ModelKit

/// TensorFlow Serving's REST predict API (`/v1/models/{m}:predict`, `api_rest.md`).
///
/// `{"instances": ...}` (row format) answers `{"predictions": ...}`; `{"inputs": ...}`
/// (columnar) answers `{"outputs": ...}`; both at once is a 400. `NaN`, `Infinity` and
/// `-Infinity` are accepted in requests and written in responses, as TF Serving does;
/// binary strings travel as `{"b64": "..."}`. `signature_name` is accepted and ignored
/// (an ONNX model has one signature).
enum V1PredictCodec {
    /// Which format the request used, which fixes the response's.
    enum Format: Sendable, Equatable { case rows, columns }

    /// The parsed request.
    struct Request: Sendable {
        var format: Format
        var feeds: [String: Tensor]
    }

    /// The parser V1 uses: RFC 8259 plus the non-finite literals.
    static let parser = JSONParser(options: .init(allowNonFiniteNumbers: true))

    /// Decodes a predict body for a model with `signature`.
    static func decode(_ body: [UInt8], signature: ModelSignature, limits: ServingLimits) throws(ServingError) -> Request {
        try limits.checkJSON(body.count)
        let root: JSONValue
        do {
            root = try parser.parse(body)
        } catch {
            throw .json(error)
        }
        guard case .object(let object) = root else {
            throw .badRequest("the request must be a JSON object with 'instances' or 'inputs', got \(root.typeName)")
        }
        let instances = object["instances"], inputs = object["inputs"]
        if instances != nil && inputs != nil {
            throw .badRequest("the request has both 'instances' and 'inputs'; send exactly one")
        }
        if let instances {
            guard case .array(let rows) = instances else {
                throw .badRequest("'instances' must be a list of rows, got \(instances.typeName)")
            }
            return Request(format: .rows, feeds: try FeedBuilder.feeds(rows: rows, signature: signature, limits: limits, allowBase64: true))
        }
        if let inputs {
            return Request(format: .columns, feeds: try FeedBuilder.feeds(columns: inputs, signature: signature, limits: limits, allowBase64: true))
        }
        throw .badRequest("the request must have 'instances' (row format) or 'inputs' (columnar format)")
    }

    /// Encodes the response for `format`.
    static func encode(_ outputs: [OutputTensor], format: Format) throws(ServingError) -> [UInt8] {
        var json = JSONWriter(capacity: 128, nonFiniteStyle: .literals)
        json.beginObject()
        switch format {
        case .rows:
            json.key("predictions")
            try RowOutputs.writeRows(outputs, into: &json)
        case .columns:
            json.key("outputs")
            RowOutputs.writeColumns(outputs, into: &json)
        }
        json.endObject()
        return json.bytes
    }
}
