import HTTPKit
import ModelKit

/// Builds model feeds from JSON that carries no datatype or shape of its own: TF Serving
/// `instances`/`inputs`, MLflow frames, seed `features`.
///
/// The shape is read from the nesting and fitted to the model's declared input: equal rank
/// as is; one dimension short, a trailing 1 is added when the model declares one (a column
/// `[1, 2, 3]` for `[-1, 1]`), else a leading batch of 1 (one row `[..8..]` for `[-1, 8]`).
/// Elements are converted to the input's element type.
enum FeedBuilder {
    /// A tensor for `input` from nested JSON values.
    static func tensor(
        from value: JSONValue, for input: TensorSignature, limits: ServingLimits, allowBase64: Bool = false
    ) throws(ServingError) -> Tensor {
        let nested = JSONTensorDecoder.inferShape(value)
        let shape = fitted(nested, to: input)
        try input.check(shape: shape, datatype: "values of shape")
        let count = try limits.elementCount(of: nested, elementSize: input.dataType.byteSize ?? 1, for: input.name)
        let storage = try JSONTensorDecoder.decode(value, shape: nested, count: count, dataType: input.dataType,
                                                   name: input.name, allowBase64: allowBase64)
        guard let tensor = try? Tensor(shape: shape, storage: storage) else {
            throw .badRequest("input '\(input.name)': values of shape \(TensorSignature.describe(nested)) do not fit \(input.summary)")
        }
        return tensor
    }

    /// `nested` adjusted to the rank the input declares (see the type's documentation).
    static func fitted(_ nested: [Int], to input: TensorSignature) -> [Int] {
        guard let declared = input.shape, nested.count + 1 == declared.count else { return nested }
        if declared.last == 1 { return nested + [1] }
        if declared.first.map({ $0 < 0 || $0 == 1 }) == true { return [1] + nested }
        return nested
    }

    /// Feeds from rows: each row is the single input's value for that row, or an object
    /// naming every input (TF Serving row format; `instances`).
    static func feeds(rows: [JSONValue], signature: ModelSignature, limits: ServingLimits, allowBase64: Bool = false) throws(ServingError) -> [String: Tensor] {
        let named = !rows.isEmpty && rows.allSatisfy { value in
            guard case .object(let object) = value else { return false }
            // A TF Serving `{"b64": ...}` value is a string element, not a row of named inputs.
            return !(allowBase64 && object.count == 1 && object["b64"] != nil && signature.inputs.count == 1)
        }
        if !named {
            guard signature.inputs.count == 1, let input = signature.inputs.first else {
                throw .badRequest("the model has \(signature.inputs.count) inputs (\(signature.inputNames)); each row must be an object naming them")
            }
            return [input.name: try tensor(from: .array(rows), for: input, limits: limits, allowBase64: allowBase64)]
        }
        var feeds: [String: Tensor] = [:]
        for input in signature.inputs {
            var column: [JSONValue] = []
            column.reserveCapacity(rows.count)
            for (i, row) in rows.enumerated() {
                guard let value = row[input.name] else {
                    throw .badRequest("row \(i) has no value for input '\(input.name)'; the model's inputs are \(signature.inputNames)")
                }
                column.append(value)
            }
            feeds[input.name] = try tensor(from: .array(column), for: input, limits: limits, allowBase64: allowBase64)
        }
        try rejectUnknownKeys(rows.compactMap(\.object), signature)
        return feeds
    }

    /// Feeds from columnar data: one value for a single-input model, or an object from input
    /// name to value (TF Serving columnar format; `inputs`).
    static func feeds(columns value: JSONValue, signature: ModelSignature, limits: ServingLimits, allowBase64: Bool = false) throws(ServingError) -> [String: Tensor] {
        if case .object(let object) = value, !(allowBase64 && object.count == 1 && object["b64"] != nil) {
            try rejectUnknownKeys([object], signature)
            var feeds: [String: Tensor] = [:]
            for input in signature.inputs {
                guard let column = object[input.name] else {
                    throw .badRequest("missing input '\(input.name)'; the model's inputs are \(signature.inputNames)")
                }
                feeds[input.name] = try tensor(from: column, for: input, limits: limits, allowBase64: allowBase64)
            }
            return feeds
        }
        guard signature.inputs.count == 1, let input = signature.inputs.first else {
            throw .badRequest("the model has \(signature.inputs.count) inputs (\(signature.inputNames)); 'inputs' must be an object naming them")
        }
        return [input.name: try tensor(from: value, for: input, limits: limits, allowBase64: allowBase64)]
    }

    private static func rejectUnknownKeys(_ objects: [JSONObject], _ signature: ModelSignature) throws(ServingError) {
        for object in objects {
            for key in object.keys where !signature.inputs.contains(where: { $0.name == key }) {
                throw .badRequest("unknown input '\(key)'; the model's inputs are \(signature.inputNames)")
            }
        }
    }
}
