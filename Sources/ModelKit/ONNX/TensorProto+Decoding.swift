extension Tensor {
    /// Decodes a serialized ONNX `TensorProto` (the `.pb` files of ONNX test data, or tensors
    /// exported with `onnx.numpy_helper.from_array(...).SerializeToString()`).
    public init(serializedTensorProto bytes: [UInt8], limits: ModelLimits = .default) throws {
        guard bytes.count <= limits.maxModelBytes else {
            throw ModelError.limit("tensor file is \(bytes.count) bytes, above the limit of \(limits.maxModelBytes)")
        }
        var reader = ProtobufReader(bytes: bytes, messageName: "TensorProto", maxDepth: limits.maxNestingDepth)
        let proto = try TensorProto(reader: &reader, limits: limits)
        let name = proto.name.isEmpty ? "tensor" : "tensor '\(proto.name)'"
        self = try proto.makeTensor(limits: limits, what: name)
    }
}
