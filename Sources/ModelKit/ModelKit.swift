/// ModelKit: ONNX inference in pure Swift.
///
/// Layers, bottom-up (tract's structure): `ProtobufReader` (defensive wire decoding) ->
/// the ONNX structs (`ModelProto`, `GraphProto`, ...; only the fields used) -> `Graph`
/// (values by `ValueID`, operators built and checked per node, shape/type inference) ->
/// `ExecutionPlan` (topological order, free-after-last-use lists) -> `Session.run`.
public enum ModelKit {
    /// The newest `ai.onnx` opset this runtime knows the semantics of (onnx 1.23).
    public static let newestONNXOpset = 28
    /// The newest `ai.onnx.ml` opset this runtime knows the semantics of.
    public static let newestMLOpset = 5
}
