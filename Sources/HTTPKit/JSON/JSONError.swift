/// Why a JSON text could not be parsed, and where.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong, e.g. "expected ':' after object key".
    public let reason: String
    /// The byte offset into the input at which the problem was found.
    public let offset: Int
    /// The 1-based line of `offset`.
    public let line: Int
    /// The 1-based column (in bytes) of `offset`.
    public let column: Int

    public init(reason: String, offset: Int, line: Int, column: Int) {
        self.reason = reason
        self.offset = offset
        self.line = line
        self.column = column
    }

    public var description: String {
        "invalid JSON at line \(line), column \(column) (byte \(offset)): \(reason)"
    }
}
