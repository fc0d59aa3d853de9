import HTTPKit

/// Search paging and ordering as MLflow's stores do them (mlflow/utils/search_utils.py).
enum MLflowPaging {
    // MARK: Page tokens

    /// The token for the page starting at `offset`: base64 of `{"offset": N}`, the token
    /// MLflow's own stores hand out (`SearchUtils.create_page_token`), opaque to clients.
    static func token(offset: Int) -> String {
        Base64.encode(Array(#"{"offset": \#(offset)}"#.utf8))
    }

    /// The offset a token names; nil or "" is the first page.
    static func offset(token: String?) throws(MLflowError) -> Int {
        guard let token, !token.isEmpty else { return 0 }
        // A "+" sent raw in a query string arrives as a space.
        let text = token.count <= 1024 ? String(token.map { $0 == " " ? "+" : $0 }) : ""
        guard let bytes = Base64.decode(text) else {
            throw MLflowError(.invalidParameterValue, "Invalid page token, could not base64-decode")
        }
        guard let value = try? JSONParser(options: .init(maxDepth: 4)).parse(bytes),
              let offset = value["offset"]?.int64, offset >= 0, offset <= Int64(Int32.max) else {
            throw MLflowError(.invalidParameterValue, "Invalid page token, decoded value=\(MLflowFields.printable(String(decoding: bytes, as: UTF8.self)))")
        }
        return Int(offset)
    }

    /// One page of `items` from `offset`, and the next page's token when there is more.
    static func page<T>(_ items: [T], offset: Int, limit: Int) -> (items: ArraySlice<T>, next: String?) {
        guard offset < items.count else { return ([], nil) }
        let end = offset + min(limit, items.count - offset)
        return (items[offset..<end], end < items.count ? token(offset: end) : nil)
    }

    /// `max_results`: the default when absent, else 1...`maximum` (MLflow's bounds).
    static func maxResults(_ fields: MLflowFields, default fallback: Int, maximum: Int) throws(MLflowError) -> Int {
        guard let value = try fields.int64("max_results") else { return fallback }
        guard value >= 1 else {
            throw MLflowError(.invalidParameterValue, "Invalid value for request parameter max_results. It must be a positive integer, but got value \(value)")
        }
        guard value <= Int64(maximum) else {
            throw MLflowError(.invalidParameterValue, "Invalid value for request parameter max_results. It must be at most \(maximum), but got value \(value)")
        }
        return Int(value)
    }

    // MARK: Ordering

    /// One `order_by` term.
    struct OrderTerm: Sendable, Equatable {
        var entity: MLflowFilter.Entity
        var key: String
        var ascending: Bool
    }

    /// Parses `order_by` terms: `<identifier> [ASC|DESC]`, the identifier as in filters.
    /// `normalize` maps an attribute key to its canonical name, or nil when unknown (an
    /// INVALID_PARAMETER_VALUE listing `valid`). A field twice is refused, as MLflow does.
    static func order(
        _ terms: [String], valid: String, normalize: (MLflowFilter.Entity, String) -> String?
    ) throws(MLflowError) -> [OrderTerm] {
        var out: [OrderTerm] = []
        for term in terms {
            guard term.utf8.count <= 1024 else { throw MLflowError(.invalidParameterValue, "Invalid order_by clause: too long") }
            var lexer = MLflowFilter.Lexer(Array(term.unicodeScalars))
            let (entity, rawKey) = try lexer.identifier()
            var ascending = true
            if lexer.keyword("DESC") {
                ascending = false
            } else {
                _ = lexer.keyword("ASC")
            }
            lexer.skipSpace()
            guard lexer.atEnd else {
                throw MLflowError(.invalidParameterValue, "Invalid order_by clause '\(MLflowFields.printable(term))'. Expected '<key> [ASC|DESC]'")
            }
            guard let key = normalize(entity, rawKey) else {
                throw MLflowError(.invalidParameterValue, "Invalid order by key '\(MLflowFields.printable(rawKey))' specified. Valid keys are \(valid)")
            }
            guard !out.contains(where: { $0.entity == entity && $0.key == key }) else {
                throw MLflowError(.invalidParameterValue, "`order_by` contains duplicate fields: \(terms.map(MLflowFields.printable))")
            }
            out.append(OrderTerm(entity: entity, key: key, ascending: ascending))
        }
        return out
    }

    /// A sort key value: numbers before strings; nil (absent) sorts last in either direction.
    enum SortValue: Sendable {
        case number(Double)
        case text(String)
        case absent

        /// -1, 0, 1 comparing two present values (absent handled by the caller).
        static func compare(_ a: SortValue, _ b: SortValue) -> Int {
            switch (a, b) {
            case (.number(let x), .number(let y)): return x < y ? -1 : (x > y ? 1 : 0)
            case (.text(let x), .text(let y)): return x < y ? -1 : (x > y ? 1 : 0)
            case (.number, .text): return -1
            case (.text, .number): return 1
            default: return 0
            }
        }
    }

    /// Sorts `items` by `terms` (each term's values from `value`), stably.
    static func sort<T>(_ items: [T], by terms: [OrderTerm], value: (T, OrderTerm) -> SortValue) -> [T] {
        guard !terms.isEmpty else { return items }
        var keyed: [(index: Int, item: T, keys: [SortValue])] = []
        keyed.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            keyed.append((index, item, terms.map { term in value(item, term) }))
        }
        let sorted = keyed.sorted { a, b in
            for (position, term) in terms.enumerated() {
                let x = a.keys[position], y = b.keys[position]
                switch (x, y) {
                case (.absent, .absent): continue
                case (.absent, _): return false
                case (_, .absent): return true
                default:
                    let c = SortValue.compare(x, y)
                    if c != 0 { return term.ascending ? c < 0 : c > 0 }
                }
            }
            return a.index < b.index
        }
        return sorted.map { $0.item }
    }
}
