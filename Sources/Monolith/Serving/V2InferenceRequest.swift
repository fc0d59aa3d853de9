import HTTPKit
import ModelKit

/// A decoded Open Inference Protocol (KServe V2) inference request, checked against the model.
///
/// Handles the JSON form (`data` flat or nested) and Triton's binary tensor data extension:
/// the JSON header is the first `Inference-Header-Content-Length` bytes of the body and
/// every input with `parameters.binary_data_size` takes its bytes from what follows, in
/// input order. Every size is cross-checked (header length against the body, each
/// `binary_data_size` against the shape, their sum against the bytes after the header).
struct V2InferenceRequest: Sendable {
    /// One entry of the request's `outputs`.
    struct RequestedOutput: Sendable, Equatable {
        var name: String
        /// `parameters.binary_data`, which overrides the request's `binary_data_output`.
        var binaryData: Bool?
        /// `parameters.classification`: return the top N classes (Triton classification extension).
        var classification: Int?
    }

    /// The request `id`, echoed in the response.
    var id: String?
    /// The input tensors by name.
    var feeds: [String: Tensor]
    /// The requested outputs in request order; `nil` means every output with default settings.
    var outputs: [RequestedOutput]?
    /// `parameters.binary_data_output`: every output as binary unless it says otherwise.
    var binaryDataOutput: Bool

    /// Decodes `body` for a model with `signature`.
    ///
    /// `headerLength` is the `Inference-Header-Content-Length` value, `nil` when absent.
    static func decode(
        body: [UInt8], headerLength: Int?, signature: ModelSignature, limits: ServingLimits
    ) throws(ServingError) -> V2InferenceRequest {
        if let headerLength {
            guard headerLength >= 0, headerLength <= body.count else {
                throw .badRequest("Inference-Header-Content-Length is \(headerLength) but the body has \(body.count) bytes")
            }
            if headerLength == 0 { return try decodeRaw(body: body, signature: signature, limits: limits) }
        }
        let jsonEnd = headerLength ?? body.count
        try limits.checkJSON(jsonEnd)
        let root: JSONValue
        do {
            root = try JSONParser().parse(body[0..<jsonEnd])
        } catch {
            throw .json(error)
        }
        guard case .object(let object) = root else {
            throw .badRequest("the inference request must be a JSON object, got \(root.typeName)")
        }
        var request = V2InferenceRequest(id: nil, feeds: [:], outputs: nil, binaryDataOutput: false)
        switch object["id"] {
        case nil, .null?: break
        case .string(let id)?: request.id = id
        case let other?: throw .badRequest("'id' must be a string, got \(other.typeName)")
        }
        if let parameters = try parametersObject(object["parameters"], of: "the request") {
            request.binaryDataOutput = try boolParameter(parameters, "binary_data_output", of: "the request") ?? false
        }
        guard case .array(let inputs)? = object["inputs"] else {
            throw .badRequest("'inputs' must be an array of input tensors")
        }
        var cursor = jsonEnd
        for input in inputs {
            let (name, tensor) = try decodeInput(input, body: body, cursor: &cursor, binaryAllowed: headerLength != nil,
                                                 signature: signature, limits: limits)
            guard request.feeds.updateValue(tensor, forKey: name) == nil else {
                throw .badRequest("input '\(name)' is given more than once")
            }
        }
        if cursor != body.count {
            throw .badRequest("the body has \(body.count - jsonEnd) bytes after the \(jsonEnd)-byte JSON header but the inputs' binary_data_size add up to \(cursor - jsonEnd)")
        }
        let missing = signature.inputs.filter { request.feeds[$0.name] == nil }.map(\.name)
        if !missing.isEmpty {
            throw .badRequest("missing input(s): \(missing.joined(separator: ", ")); the model's inputs are \(signature.inputNames)")
        }
        switch object["outputs"] {
        case nil, .null?: break
        case .array(let outputs)?: request.outputs = try outputs.map { value throws(ServingError) in try decodeOutput(value, signature) }
        case let other?: throw .badRequest("'outputs' must be an array, got \(other.typeName)")
        }
        return request
    }

    /// The output names to compute, in response order.
    func outputNames(_ signature: ModelSignature) throws(ServingError) -> [String] {
        try signature.outputNames(requested: outputs?.map(\.name))
    }

    // MARK: Inputs

    private static func decodeInput(
        _ value: JSONValue, body: [UInt8], cursor: inout Int, binaryAllowed: Bool,
        signature: ModelSignature, limits: ServingLimits
    ) throws(ServingError) -> (String, Tensor) {
        guard case .object(let input) = value else {
            throw .badRequest("each element of 'inputs' must be an object, got \(value.typeName)")
        }
        guard case .string(let name)? = input["name"] else {
            throw .badRequest("an input has no 'name' string")
        }
        let expected = try signature.input(named: name)
        guard case .string(let datatype)? = input["datatype"] else {
            throw .badRequest("input '\(name)': 'datatype' must be a string such as \"\(expected.v2Datatype)\"")
        }
        guard case .array(let dims)? = input["shape"] else {
            throw .badRequest("input '\(name)': 'shape' must be an array of non-negative integers")
        }
        var shape: [Int] = []
        shape.reserveCapacity(dims.count)
        for dim in dims {
            guard let d = dim.int64, d >= 0, let size = Int(exactly: d) else {
                throw .badRequest("input '\(name)': 'shape' must be an array of non-negative integers, got \(TensorJSON.text(of: .array(dims)))")
            }
            shape.append(size)
        }
        guard let dataType = DataType(v2Name: datatype) else {
            throw .badRequest("input '\(name)': unknown or unsupported datatype '\(datatype)'; expected \(expected.summary)")
        }
        guard dataType == expected.dataType, expected.accepts(shape: shape) else {
            throw .badRequest("input '\(name)': expected \(expected.summary), got \(datatype) \(TensorSignature.describe(shape))")
        }
        let count = try limits.elementCount(of: shape, elementSize: dataType.byteSize ?? 1, for: name)
        let parameters = try parametersObject(input["parameters"], of: "input '\(name)'")
        let storage: TensorStorage
        if let parameters, let sizeValue = parameters["binary_data_size"] {
            guard binaryAllowed else {
                throw .badRequest("input '\(name)' has binary_data_size but the request has no Inference-Header-Content-Length header")
            }
            guard input["data"] == nil else {
                throw .badRequest("input '\(name)' has both 'data' and binary_data_size")
            }
            guard let size64 = sizeValue.int64, size64 >= 0, let size = Int(exactly: size64) else {
                throw .badRequest("input '\(name)': binary_data_size must be a non-negative integer")
            }
            guard size <= body.count - cursor else {
                throw .badRequest("input '\(name)': binary_data_size is \(size) bytes but only \(body.count - cursor) bytes of binary data remain in the body")
            }
            storage = try BinaryTensorCodec.decode(body[cursor..<(cursor + size)], dataType: dataType, count: count, shape: shape, name: name)
            cursor += size
        } else {
            guard let data = input["data"] else {
                throw .badRequest("input '\(name)' has neither 'data' nor parameters.binary_data_size")
            }
            storage = try JSONTensorDecoder.decode(data, shape: shape, count: count, dataType: dataType, name: name)
        }
        do {
            return (name, try Tensor(shape: shape, storage: storage))
        } catch {
            throw .badRequest("input '\(name)': \(error)")
        }
    }

    /// Triton's raw binary request: `Inference-Header-Content-Length: 0`, the body is the one
    /// input's bytes; the shape is deduced (at most one variable dimension; BYTES only [1]).
    private static func decodeRaw(body: [UInt8], signature: ModelSignature, limits: ServingLimits) throws(ServingError) -> V2InferenceRequest {
        guard signature.inputs.count == 1, let input = signature.inputs.first, let declared = input.shape else {
            throw .badRequest("a raw binary request (Inference-Header-Content-Length: 0) needs a model with one input of known rank")
        }
        var shape = declared
        if input.dataType == .string {
            shape = [1]
            guard input.accepts(shape: shape) else { throw .badRequest("input '\(input.name)': a raw BYTES request must have shape [1]; expected \(input.summary)") }
        } else {
            guard let size = input.dataType.byteSize else { throw .badRequest("input '\(input.name)': datatype cannot be sent as binary data") }
            let variable = declared.indices.filter { declared[$0] < 0 }
            guard variable.count <= 1 else {
                throw .badRequest("input '\(input.name)': a raw binary request needs at most one variable dimension; expected \(input.summary)")
            }
            var elementBytes = size
            for dim in declared where dim >= 0 {
                let (product, overflow) = elementBytes.multipliedReportingOverflow(by: dim)
                guard !overflow else { throw .tooLarge("input '\(input.name)': the declared shape is too large") }
                elementBytes = product
            }
            if let axis = variable.first {
                guard elementBytes > 0, body.count % elementBytes == 0 else {
                    throw .badRequest("input '\(input.name)': \(body.count) bytes is not a whole number of \(input.summary) rows")
                }
                shape[axis] = body.count / elementBytes
            }
        }
        let count = try limits.elementCount(of: shape, elementSize: input.dataType.byteSize ?? 1, for: input.name)
        let storage = try BinaryTensorCodec.decode(body[...], dataType: input.dataType, count: count, shape: shape, name: input.name)
        guard let tensor = try? Tensor(shape: shape, storage: storage) else {
            throw .badRequest("input '\(input.name)': the body does not hold a tensor of shape \(TensorSignature.describe(shape))")
        }
        return V2InferenceRequest(id: nil, feeds: [input.name: tensor], outputs: nil, binaryDataOutput: true)
    }

    // MARK: Outputs and parameters

    private static func decodeOutput(_ value: JSONValue, _ signature: ModelSignature) throws(ServingError) -> RequestedOutput {
        guard case .object(let output) = value, case .string(let name)? = output["name"] else {
            throw .badRequest("each element of 'outputs' must be an object with a 'name' string")
        }
        guard signature.outputs.contains(where: { $0.name == name }) else {
            throw .badRequest("unknown output '\(name)'; the model's outputs are \(signature.outputNames)")
        }
        var requested = RequestedOutput(name: name, binaryData: nil, classification: nil)
        if let parameters = try parametersObject(output["parameters"], of: "output '\(name)'") {
            requested.binaryData = try boolParameter(parameters, "binary_data", of: "output '\(name)'")
            if let classes = parameters["classification"] {
                guard let n = classes.int64, n > 0, let count = Int(exactly: n) else {
                    throw .badRequest("output '\(name)': parameters.classification must be a positive integer")
                }
                requested.classification = count
            }
        }
        return requested
    }

    private static func parametersObject(_ value: JSONValue?, of owner: String) throws(ServingError) -> JSONObject? {
        switch value {
        case nil, .null?: return nil
        case .object(let parameters)?: return parameters
        case let other?: throw .badRequest("'parameters' of \(owner) must be an object, got \(other.typeName)")
        }
    }

    private static func boolParameter(_ parameters: JSONObject, _ key: String, of owner: String) throws(ServingError) -> Bool? {
        switch parameters[key] {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        case let other?: throw .badRequest("parameter '\(key)' of \(owner) must be a boolean, got \(other.typeName)")
        }
    }
}
