extension Logger {
    /// A metadata value: a string, a number, a boolean or a list.
    public enum MetadataValue: Sendable, Equatable, CustomStringConvertible,
        ExpressibleByStringLiteral, ExpressibleByStringInterpolation, ExpressibleByIntegerLiteral,
        ExpressibleByBooleanLiteral, ExpressibleByFloatLiteral, ExpressibleByArrayLiteral
    {
        case string(String)
        case int(Int)
        case double(Double)
        case bool(Bool)
        case array([MetadataValue])

        public init(stringLiteral value: String) { self = .string(value) }
        public init(integerLiteral value: Int) { self = .int(value) }
        public init(booleanLiteral value: Bool) { self = .bool(value) }
        public init(floatLiteral value: Double) { self = .double(value) }
        public init(arrayLiteral elements: MetadataValue...) { self = .array(elements) }

        public var description: String {
            switch self {
            case .string(let s): s
            case .int(let i): String(i)
            case .double(let d): String(d)
            case .bool(let b): b ? "true" : "false"
            case .array(let a): "[" + a.map(\.description).joined(separator: ", ") + "]"
            }
        }
    }

    /// Ordered key/value metadata; setting an existing key replaces its value in place.
    ///
    /// An array rather than a dictionary: records carry a handful of keys, a linear scan is
    /// cheaper than hashing, and the output keeps the order keys were added in.
    public struct Metadata: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
        public private(set) var entries: [(key: String, value: MetadataValue)]

        public init() { entries = [] }

        public init(dictionaryLiteral elements: (String, MetadataValue)...) {
            entries = []
            for (k, v) in elements { self[k] = v }
        }

        public var isEmpty: Bool { entries.isEmpty }
        public var count: Int { entries.count }

        public subscript(key: String) -> MetadataValue? {
            get { entries.first { $0.key == key }?.value }
            set {
                if let i = entries.firstIndex(where: { $0.key == key }) {
                    if let newValue { entries[i].value = newValue } else { entries.remove(at: i) }
                } else if let newValue {
                    entries.append((key, newValue))
                }
            }
        }

        /// Adds or replaces every entry of `other`.
        public mutating func merge(_ other: Metadata) {
            for (k, v) in other.entries { self[k] = v }
        }

        public func makeIterator() -> IndexingIterator<[(key: String, value: MetadataValue)]> {
            entries.makeIterator()
        }

        public static func == (lhs: Metadata, rhs: Metadata) -> Bool {
            lhs.entries.count == rhs.entries.count
                && zip(lhs.entries, rhs.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        }
    }
}
