/// Values bound to a statement's parameters, by position (`?`, `?NNN`) or by name
/// (`:name`, `@name`, `$name`).
///
/// Written as an array or a dictionary literal: `[name, version, nil]` or
/// `[":name": name, ":v": nil]`.
public struct StatementArguments: Sendable, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    /// Values for positional parameters, in order (parameter 1 first).
    public var positional: [DatabaseValue]
    /// Values for named parameters, keyed by the name with its prefix (`:name`).
    public var named: [String: DatabaseValue]

    /// Creates arguments from values.
    public init(_ positional: [DatabaseValue] = [], named: [String: DatabaseValue] = [:]) {
        self.positional = positional
        self.named = named
    }

    public init(arrayLiteral elements: (any DatabaseValueConvertible)?...) {
        self.positional = elements.map { $0?.databaseValue ?? .null }
        self.named = [:]
    }

    public init(dictionaryLiteral elements: (String, (any DatabaseValueConvertible)?)...) {
        self.positional = []
        var named: [String: DatabaseValue] = [:]
        for (key, value) in elements {
            named[key] = value?.databaseValue ?? .null
        }
        self.named = named
    }

    /// Whether no value is given.
    public var isEmpty: Bool { positional.isEmpty && named.isEmpty }
}
