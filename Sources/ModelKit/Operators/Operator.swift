/// A node's computation, built once per node at load with its attributes parsed and checked.
///
/// Inference (`outputFacts`) is apart from evaluation (`run`), as tract separates
/// `TypedOp::output_facts` from `EvalOp::eval`: the load calls `outputFacts` in topological
/// order so a bad model fails before serving; `run` is called once per node per request and
/// must not touch shared mutable state (sessions run concurrently).
protocol Operator: Sendable {
    /// The facts (type, shape, constant value) of the outputs given those of the inputs.
    ///
    /// `inputs[i]` is `nil` for an omitted optional input. Return one fact per declared
    /// output (at least `NodeContext.outputCount`). Throw `ModelError` naming the problem;
    /// the loader prefixes the node and operator.
    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact]

    /// Computes the outputs; `inputs` may be consumed (`takeTensor`) to reuse their buffers.
    func run(_ inputs: inout OperatorInputs) throws -> [Value]

    /// Whether the loader may evaluate this node at load when all its inputs are constant.
    var isFoldable: Bool { get }

    /// Whether output 0 may share input 0's buffer (Identity, Reshape...): the plan then never
    /// recycles it when the input is a feed or a constant.
    var forwardsInput: Bool { get }

    /// Called once at load after `outputFacts` with the same facts: may return a specialized
    /// operator (e.g. with constant weights pre-packed). The default returns `self`.
    func prepared(_ inputs: [ValueFact?]) throws -> any Operator
}

extension Operator {
    var isFoldable: Bool { true }

    var forwardsInput: Bool { false }

    func prepared(_ inputs: [ValueFact?]) throws -> any Operator { self }
}

/// The inputs of one node evaluation, with the run's limits.
struct OperatorInputs {
    /// One entry per declared input; `nil` for an omitted optional input (or one already taken).
    var values: [Value?]
    /// Limits every output allocation is checked against.
    let limits: ModelLimits
    /// The session's buffer pool (nil when folding constants at load).
    let pool: BufferPool?

    init(values: [Value?], limits: ModelLimits, pool: BufferPool? = nil) {
        self.values = values
        self.limits = limits
        self.pool = pool
    }

    /// A float buffer of `count` elements, reused from earlier runs when possible; its contents
    /// are unspecified and the caller must overwrite every element.
    func floatBuffer(count: Int) -> [Float] {
        pool?.floats(count: count) ?? [Float](repeating: 0, count: count)
    }

    /// The number of declared inputs (including omitted optional ones).
    var count: Int { values.count }

    /// Whether input `index` is given.
    func isPresent(_ index: Int) -> Bool {
        index < values.count && values[index] != nil
    }

    /// Input `index` as a tensor; throws if it is missing or not a tensor.
    func tensor(_ index: Int) throws -> Tensor {
        guard index < values.count, let value = values[index] else {
            throw ModelError.runtime("input \(index) is missing")
        }
        guard case .tensor(let t) = value else { throw ModelError.runtime("input \(index) is not a tensor") }
        return t
    }

    /// Input `index` as a tensor, or `nil` when omitted.
    func optionalTensor(_ index: Int) throws -> Tensor? {
        guard index < values.count, let value = values[index] else { return nil }
        guard case .tensor(let t) = value else { throw ModelError.runtime("input \(index) is not a tensor") }
        return t
    }

    /// Moves input `index` out so its buffer can be mutated in place when no one else holds it.
    mutating func takeTensor(_ index: Int) throws -> Tensor {
        guard index < values.count else { throw ModelError.runtime("input \(index) is missing") }
        switch values[index].take() {
        case .tensor(let t)?: return t
        case nil: throw ModelError.runtime("input \(index) is missing")
        default: throw ModelError.runtime("input \(index) is not a tensor")
        }
    }

    /// Throws `.limitExceeded` unless a tensor of `shape` is within the limits; returns its element count.
    @discardableResult
    func checkOutput(_ shape: [Int]) throws -> Int {
        try limits.check(shape: shape, "output tensor")
    }
}

/// What an operator builder knows about its node: identity, opset, arity and attributes.
struct NodeContext {
    /// The node name (may be empty in ONNX files).
    let name: String
    let opType: String
    /// The domain, normalized: `""` for `ai.onnx`.
    let domain: String
    /// The opset version of `domain` the model imports.
    let opsetVersion: Int
    /// Which declared inputs are present (`false` for an empty name: omitted optional input).
    let inputPresence: [Bool]
    /// The number of declared outputs.
    let outputCount: Int
    let attributes: Attributes
    let limits: ModelLimits

    /// The number of declared inputs (including omitted optional ones).
    var inputCount: Int { inputPresence.count }

    /// Whether input `index` is declared and non-empty.
    func hasInput(_ index: Int) -> Bool { index < inputPresence.count && inputPresence[index] }

    /// Throws unless the input and output counts are within the operator's arity.
    func checkArity(inputs: ClosedRange<Int>, outputs: ClosedRange<Int>) throws {
        guard inputs.contains(inputCount) else {
            throw ModelError.invalidModel("takes \(inputs.lowerBound == inputs.upperBound ? "\(inputs.lowerBound)" : "\(inputs.lowerBound) to \(inputs.upperBound)") inputs, got \(inputCount)")
        }
        guard outputs.contains(outputCount) else {
            throw ModelError.invalidModel("produces \(outputs.lowerBound == outputs.upperBound ? "\(outputs.lowerBound)" : "\(outputs.lowerBound) to \(outputs.upperBound)") outputs, got \(outputCount)")
        }
    }

    /// Throws unless input `index` is present.
    func requireInput(_ index: Int, _ name: String) throws {
        guard hasInput(index) else { throw ModelError.invalidModel("required input \(index) (\(name)) is missing") }
    }
}
