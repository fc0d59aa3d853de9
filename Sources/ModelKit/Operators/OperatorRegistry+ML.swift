/// The `ai.onnx.ml` operator families (onnx `docs/Operators-ml.md`), one file each under `Operators/ML/`.
enum MLOperators {
    /// Registers every ai.onnx.ml family.
    static func register(into registry: inout OperatorRegistry) {
        TreeEnsembleOperators.register(into: &registry)
        LinearModelOperators.register(into: &registry)
        SVMOperators.register(into: &registry)
        ScalerOperators.register(into: &registry)
        BinarizerOperator.register(into: &registry)
        ImputerOperator.register(into: &registry)
        EncoderOperators.register(into: &registry)
        ArrayFeatureExtractorOperator.register(into: &registry)
        ZipMapOperator.register(into: &registry)
        MapOperators.register(into: &registry)
    }
}
