import ModelKit

/// One model input or output as the protocols describe it: name, datatype, shape with -1.
///
/// Built from the `Session`'s `ValueDescription`s. A ZipMap output (a sequence of maps,
/// scikit-learn classifiers' probabilities) is described as the tensor it is served as:
/// the map's value type with shape `[-1, -1]` (rows × classes).
struct TensorSignature: Sendable, Hashable {
    /// The graph name.
    let name: String
    /// The element type (for a sequence of maps: the map value type).
    let dataType: DataType
    /// Dimensions with -1 for variable ones; `nil` when even the rank is unknown.
    let shape: [Int]?
    /// Whether the model produces a sequence of maps (ZipMap) rather than a tensor.
    let isSequenceOfMaps: Bool

    init(name: String, dataType: DataType, shape: [Int]?, isSequenceOfMaps: Bool = false) {
        self.name = name
        self.dataType = dataType
        self.shape = shape
        self.isSequenceOfMaps = isSequenceOfMaps
    }

    init(_ description: ValueDescription) {
        name = description.name
        dataType = description.elementType
        switch description.type {
        case .tensor(_, let dims):
            shape = dims?.map(\.value)
            isSequenceOfMaps = false
        case .sequence(.map):
            shape = [-1, -1]
            isSequenceOfMaps = true
        case .sequence, .map:
            shape = nil
            isSequenceOfMaps = false
        }
    }

    /// The Open Inference Protocol datatype name (`FP32`, `BYTES`...).
    var v2Datatype: String { dataType.v2Name ?? dataType.onnxName.uppercased() }

    /// `FP32 [-1, 8]`, as error messages show it.
    var summary: String { "\(v2Datatype) \(Self.describe(shape))" }

    /// Whether a tensor of `received` shape fits: same rank, equal fixed dimensions.
    func accepts(shape received: [Int]) -> Bool {
        guard let shape else { return true }
        guard shape.count == received.count else { return false }
        for (want, got) in zip(shape, received) where want >= 0 && want != got { return false }
        return true
    }

    /// Throws a 400 naming the input, the expected and the received shape when it does not fit.
    func check(shape received: [Int], datatype: String? = nil) throws(ServingError) {
        guard accepts(shape: received) else {
            throw .badRequest("input '\(name)': expected \(summary), got \(datatype ?? v2Datatype) \(Self.describe(received))")
        }
    }

    /// `[-1, 8]`, or `[unknown rank]`.
    static func describe(_ shape: [Int]?) -> String {
        guard let shape else { return "[unknown rank]" }
        return "[" + shape.map(String.init).joined(separator: ", ") + "]"
    }
}

/// The inputs and outputs of a loaded model, as the serving codecs need them.
struct ModelSignature: Sendable, Hashable {
    let inputs: [TensorSignature]
    let outputs: [TensorSignature]

    init(inputs: [TensorSignature], outputs: [TensorSignature]) {
        self.inputs = inputs
        self.outputs = outputs
    }

    init(session: Session) {
        inputs = session.inputs.map(TensorSignature.init)
        outputs = session.outputs.map(TensorSignature.init)
    }

    /// The input named `name`, or a 400 listing the model's inputs.
    func input(named name: String) throws(ServingError) -> TensorSignature {
        guard let match = inputs.first(where: { $0.name == name }) else {
            throw .badRequest("unknown input '\(name)'; the model's inputs are \(inputNames)")
        }
        return match
    }

    var inputNames: String { inputs.map(\.name).joined(separator: ", ") }
    var outputNames: String { outputs.map(\.name).joined(separator: ", ") }
}
