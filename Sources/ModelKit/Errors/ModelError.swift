/// The one error type of ModelKit: a kind to branch on and a message for people.
///
/// A struct over an open set of kinds (as SwiftNIO does for its public errors) so kinds can
/// be added without breaking callers. Messages name the offending field, node, operator,
/// input or limit, e.g. `node 'fc1' (Gemm): input B has shape [3, 4], expected [4, N]`.
public struct ModelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, broadly.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private let raw: UInt8
        private init(_ raw: UInt8) { self.raw = raw }

        /// The bytes are not a valid protobuf / ONNX encoding (truncation, bad varint, bad length...).
        public static let malformed = Kind(0)
        /// A valid model that uses a feature this runtime does not implement (external data, subgraphs...).
        public static let unsupported = Kind(1)
        /// A structurally invalid model: cycles, dangling inputs, type or shape mismatches, bad attributes.
        public static let invalidModel = Kind(2)
        /// An operator (domain, type, opset) with no implementation.
        public static let unknownOperator = Kind(3)
        /// A configured limit (`ModelLimits`) was exceeded.
        public static let limitExceeded = Kind(4)
        /// A feed given to `Session.run` does not match the model's inputs.
        public static let invalidInput = Kind(5)
        /// Evaluation failed at run time (e.g. shapes that only conflict for this batch).
        public static let runtime = Kind(6)
        /// Reading the model file failed.
        public static let io = Kind(7)

        public var description: String {
            switch raw {
            case 0: return "malformed"
            case 1: return "unsupported"
            case 2: return "invalidModel"
            case 3: return "unknownOperator"
            case 4: return "limitExceeded"
            case 5: return "invalidInput"
            case 6: return "runtime"
            default: return "io"
            }
        }
    }

    /// The broad category.
    public let kind: Kind
    /// A human-readable message naming the problem.
    public let message: String

    /// Creates an error of `kind` with `message`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind): \(message)" }

    /// The same error with `prefix` prepended to the message (used to add node context).
    func prefixed(_ prefix: String) -> ModelError {
        ModelError(kind, prefix + message)
    }

    static func malformed(_ message: String) -> ModelError { ModelError(.malformed, message) }
    static func unsupported(_ message: String) -> ModelError { ModelError(.unsupported, message) }
    static func invalidModel(_ message: String) -> ModelError { ModelError(.invalidModel, message) }
    static func invalidInput(_ message: String) -> ModelError { ModelError(.invalidInput, message) }
    static func runtime(_ message: String) -> ModelError { ModelError(.runtime, message) }
    static func limit(_ message: String) -> ModelError { ModelError(.limitExceeded, message) }
}
