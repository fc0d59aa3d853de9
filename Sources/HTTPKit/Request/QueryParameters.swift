/// Decoded query parameters in order, duplicates kept (`?a=1&a=2&b`).
///
/// Parsed as application/x-www-form-urlencoded (WHATWG URL §5): `&` separates pairs, `+` is
/// a space, `%XX` is decoded, a name without `=` has the empty value.
public struct QueryParameters: Sendable, Sequence, Equatable {
    public private(set) var pairs: [(name: String, value: String)]

    public init() { pairs = [] }

    /// Parses an encoded query string (without the leading `?`).
    public init(parsing query: String) {
        pairs = []
        guard !query.isEmpty else { return }
        let utf8 = Array(query.utf8)
        for piece in utf8.split(separator: 0x26, omittingEmptySubsequences: true) {
            if let eq = piece.firstIndex(of: HTTPByte.equals) {
                pairs.append((PercentDecoding.decode(piece[..<eq], plusAsSpace: true),
                              PercentDecoding.decode(piece[(eq + 1)...], plusAsSpace: true)))
            } else {
                pairs.append((PercentDecoding.decode(piece, plusAsSpace: true), ""))
            }
        }
    }

    public var isEmpty: Bool { pairs.isEmpty }
    public var count: Int { pairs.count }

    /// The first value for `name`, or nil.
    public subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// Every value for `name`, in order.
    public func values(for name: String) -> [String] {
        pairs.filter { $0.name == name }.map(\.value)
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        pairs.makeIterator()
    }

    public static func == (lhs: QueryParameters, rhs: QueryParameters) -> Bool {
        lhs.pairs.count == rhs.pairs.count && zip(lhs.pairs, rhs.pairs).allSatisfy { $0 == $1 }
    }
}
