extension OperatorRegistry {
    /// Every operator this runtime implements: the `ai.onnx` families, then `ai.onnx.ml`.
    ///
    /// To add a family: write `enum XOperators { static func register(into:) }` in
    /// `Operators/XOperators.swift` and add one line here.
    static let standard: OperatorRegistry = {
        var registry = OperatorRegistry()
        // ai.onnx
        BinaryOperators.register(into: &registry)
        UnaryOperators.register(into: &registry)
        MatMulOperators.register(into: &registry)
        ShapeOperators.register(into: &registry)
        CastOperators.register(into: &registry)
        SoftmaxOperators.register(into: &registry)
        DataMovementOperators.register(into: &registry)
        ReduceOperators.register(into: &registry)
        NormalizationOperators.register(into: &registry)
        // Outside the core list, but ML exporters emit them (skl2onnx SVC, voting ensembles).
        VariadicOperators.register(into: &registry)
        // ai.onnx.ml
        MLOperators.register(into: &registry)
        return registry
    }()
}
