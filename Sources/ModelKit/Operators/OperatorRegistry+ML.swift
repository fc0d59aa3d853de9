/// The `ai.onnx.ml` operator families (onnx `docs/Operators-ml.md`), one file each under `Operators/ML/`.
enum MLOperators {
    /// Registers every ai.onnx.ml family.
    static func register(into registry: inout OperatorRegistry) {
        TreeEnsembleOperators.register(into: &registry)
    }
}
