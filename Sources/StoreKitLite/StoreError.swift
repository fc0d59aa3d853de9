/// An error from the metadata or artifact store, with a code the caller maps to a response.
///
/// A struct over an open set of codes (the shape of NIO's public error structs) so that codes
/// can be added without breaking callers' `switch`es. Messages name what was wrong (the model,
/// the version, the limit) and never carry secrets.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure: the route layer maps these to statuses and protocol error codes.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The thing named does not exist (HTTP 404, MLflow RESOURCE_DOES_NOT_EXIST).
        public static let notFound = Code("not found")
        /// A unique name is taken (HTTP 400/409, MLflow RESOURCE_ALREADY_EXISTS).
        public static let alreadyExists = Code("already exists")
        /// An argument is malformed or out of range (HTTP 400, MLflow INVALID_PARAMETER_VALUE).
        public static let invalidArgument = Code("invalid argument")
        /// The operation is not allowed in the current state (MLflow INVALID_STATE), e.g.
        /// changing a logged parameter or writing to a deleted run.
        public static let invalidState = Code("invalid state")
        /// A size limit was exceeded (HTTP 413).
        public static let tooLarge = Code("too large")
        /// Stored data failed verification (hash mismatch, unreadable record).
        public static let corrupt = Code("corrupt")
        /// The file system failed (errno in the message).
        public static let io = Code("I/O error")
        /// The store was opened read-only.
        public static let readOnly = Code("read-only")

        public var description: String { name }
    }

    /// The kind of failure.
    public let code: Code
    /// A human-readable explanation.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
