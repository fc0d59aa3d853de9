/// MLflow's search filter language (mlflow/utils/search_utils.py), the subset its stores
/// accept: clauses joined by `AND`, each `<identifier> <comparator> <value>`.
///
/// - identifiers: `name`, `run_id`, `source_path`, `version_number`, `status`, … or
///   `<entity>.<key>` with entity `attribute(s)`/`attr`, `tag(s)`, `param(s)`/`parameter(s)`,
///   `metric(s)`; a key may be quoted with backticks or double quotes (`` tags.`my key` ``);
/// - comparators: `=`, `!=`, `<`, `<=`, `>`, `>=`, `LIKE` (case-sensitive, `%` and `_`),
///   `ILIKE` (case-insensitive), `IN (...)`, `NOT IN (...)` (keywords in any case);
/// - values: `'single'` or `"double"` quoted strings (a doubled quote escapes it), numbers,
///   or a parenthesized list of strings for `IN`.
///
/// `OR` and parentheses around clauses are refused, as MLflow refuses them. A filter longer
/// than `maximumLength` is refused before it is parsed.
struct MLflowFilter: Sendable, Equatable {
    enum Entity: Sendable, Equatable {
        case attribute, tag, param, metric
    }

    enum Comparator: String, Sendable, Equatable {
        case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
        case like = "LIKE", ilike = "ILIKE", `in` = "IN", notIn = "NOT IN"
    }

    enum Value: Sendable, Equatable {
        case string(String)
        case number(Double)
        case list([String])
    }

    struct Clause: Sendable, Equatable {
        var entity: Entity
        var key: String
        var comparator: Comparator
        var value: Value
    }

    var clauses: [Clause]

    /// LIKE costs up to (text × pattern) steps: filters stay short.
    static let maximumLength = 4096

    /// Parses `text`; nil or blank is the empty filter (everything matches).
    init(parsing text: String?) throws(MLflowError) {
        clauses = []
        guard let text, text.contains(where: { $0 != " " && $0 != "\t" && $0 != "\n" }) else { return }
        guard text.utf8.count <= MLflowFilter.maximumLength else {
            throw MLflowError(.invalidParameterValue, "Invalid filter: longer than \(MLflowFilter.maximumLength) bytes")
        }
        var lexer = Lexer(Array(text.unicodeScalars))
        while true {
            clauses.append(try lexer.clause())
            lexer.skipSpace()
            if lexer.atEnd { break }
            guard lexer.keyword("AND") else {
                throw MLflowError(.invalidParameterValue, "Invalid filter '\(MLflowFields.printable(text))': expected AND between clauses (OR is not supported)")
            }
        }
    }

    // MARK: Prompts

    /// The tag MLflow marks prompts with (registered models that hold prompt templates).
    static let promptTag = "mlflow.prompt.is_prompt"

    /// MLflow's default for registry searches (sqlalchemy_store `_is_querying_prompt`,
    /// `_update_query_to_exclude_prompts`): unless the filter asks for prompts
    /// (`tags.`mlflow.prompt.is_prompt` = 'true'`), prompts are left out and clauses on the
    /// prompt tag are dropped — clients add `tag.`mlflow.prompt.is_prompt` != 'true'` to
    /// every search, which must also match models without the tag.
    func promptHandling() -> (filter: MLflowFilter, excludePrompts: Bool) {
        let asksForPrompts = clauses.contains { clause in
            guard clause.entity == .tag, clause.key == MLflowFilter.promptTag, case .string(let value) = clause.value else { return false }
            return (clause.comparator == .equal && value.lowercased() == "true")
                || (clause.comparator == .notEqual && value.lowercased() == "false")
        }
        if asksForPrompts { return (self, false) }
        var copy = self
        copy.clauses.removeAll { $0.entity == .tag && $0.key == MLflowFilter.promptTag }
        return (copy, true)
    }

    /// Whether tags mark a prompt.
    static func isPrompt(_ tags: [String: String]) -> Bool {
        tags[promptTag]?.lowercased() == "true"
    }

    // MARK: Matching

    /// Whether `text` satisfies a string clause (an absent value never does).
    static func matches(_ text: String?, _ clause: Clause) throws(MLflowError) -> Bool {
        guard let text else { return false }
        switch (clause.comparator, clause.value) {
        case (.equal, .string(let v)): return text == v
        case (.notEqual, .string(let v)): return text != v
        case (.like, .string(let v)): return like(text, v, caseInsensitive: false)
        case (.ilike, .string(let v)): return like(text, v, caseInsensitive: true)
        case (.in, .list(let values)): return values.contains(text)
        case (.notIn, .list(let values)): return !values.contains(text)
        default:
            throw MLflowError(.invalidParameterValue, "Invalid comparison '\(clause.comparator.rawValue)' for '\(clause.key)': expected a string value with =, !=, LIKE, ILIKE, IN or NOT IN")
        }
    }

    /// Whether `number` satisfies a numeric clause (an absent value never does). A quoted
    /// number is accepted (`version_number = '3'`).
    static func matches(_ number: Double?, _ clause: Clause) throws(MLflowError) -> Bool {
        guard let number else { return false }
        let value: Double
        switch clause.value {
        case .number(let v): value = v
        case .string(let text):
            guard let v = Double(text) else {
                throw MLflowError(.invalidParameterValue, "Invalid value '\(MLflowFields.printable(text))' for numeric '\(clause.key)'")
            }
            value = v
        case .list(let texts):
            let numbers = texts.compactMap(Double.init)
            guard numbers.count == texts.count else {
                throw MLflowError(.invalidParameterValue, "Invalid list for numeric '\(clause.key)'")
            }
            switch clause.comparator {
            case .in: return numbers.contains(number)
            case .notIn: return !numbers.contains(number)
            default: throw MLflowError(.invalidParameterValue, "A list needs IN or NOT IN")
            }
        }
        switch clause.comparator {
        case .equal: return number == value
        case .notEqual: return number != value
        case .less: return number < value
        case .lessOrEqual: return number <= value
        case .greater: return number > value
        case .greaterOrEqual: return number >= value
        default:
            throw MLflowError(.invalidParameterValue, "Invalid comparison '\(clause.comparator.rawValue)' for numeric '\(clause.key)'")
        }
    }

    /// SQL LIKE: `%` any run of characters, `_` one character, everything else literal.
    /// Linear backtracking on the last `%` (no exponential blow-up on hostile patterns).
    static func like(_ text: String, _ pattern: String, caseInsensitive: Bool) -> Bool {
        let t = Array((caseInsensitive ? text.lowercased() : text).unicodeScalars)
        let p = Array((caseInsensitive ? pattern.lowercased() : pattern).unicodeScalars)
        var ti = 0, pi = 0
        var star = -1, mark = 0
        while ti < t.count {
            if pi < p.count && (p[pi] == "_" || (p[pi] != "%" && p[pi] == t[ti])) {
                ti += 1
                pi += 1
            } else if pi < p.count && p[pi] == "%" {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == "%" { pi += 1 }
        return pi == p.count
    }

    // MARK: Lexing

    struct Lexer {
        let s: [Unicode.Scalar]
        var i = 0

        init(_ scalars: [Unicode.Scalar]) { s = scalars }

        var atEnd: Bool { i >= s.count }

        mutating func skipSpace() {
            while i < s.count, s[i] == " " || s[i] == "\t" || s[i] == "\n" || s[i] == "\r" { i += 1 }
        }

        func fail(_ what: String) -> MLflowError {
            MLflowError(.invalidParameterValue, "Invalid filter at character \(i + 1): \(what)")
        }

        static func isWord(_ c: Unicode.Scalar) -> Bool {
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_"
        }

        /// Consumes `word` (case-insensitive) when it comes next as a whole word.
        mutating func keyword(_ word: String) -> Bool {
            skipSpace()
            let w = Array(word.unicodeScalars)
            guard i + w.count <= s.count else { return false }
            for (k, c) in w.enumerated() where String(s[i + k]).uppercased() != String(c) { return false }
            if i + w.count < s.count && Lexer.isWord(s[i + w.count]) { return false }
            i += w.count
            return true
        }

        mutating func word() -> String? {
            let start = i
            while i < s.count, Lexer.isWord(s[i]) { i += 1 }
            guard i > start else { return nil }
            var out = ""
            out.unicodeScalars.append(contentsOf: s[start..<i])
            return out
        }

        /// A quoted run: `quote` ... `quote`, a doubled quote standing for one.
        mutating func quoted(_ quote: Unicode.Scalar) throws(MLflowError) -> String {
            i += 1
            var out = ""
            while true {
                guard i < s.count else { throw fail("unterminated quote") }
                if s[i] == quote {
                    if i + 1 < s.count && s[i + 1] == quote {
                        out.unicodeScalars.append(quote)
                        i += 2
                        continue
                    }
                    i += 1
                    return out
                }
                out.unicodeScalars.append(s[i])
                i += 1
            }
        }

        mutating func identifier() throws(MLflowError) -> (Entity, String) {
            skipSpace()
            // A quoted attribute (`` `last_updated_timestamp` ``).
            if i < s.count, s[i] == "`" { return (.attribute, try quoted("`")) }
            guard let first = word() else { throw fail("expected an identifier such as name or tags.<key>") }
            guard i < s.count, s[i] == "." else { return (.attribute, first) }
            i += 1
            let entity: Entity
            switch first.lowercased() {
            case "attribute", "attributes", "attr", "run": entity = .attribute
            case "tag", "tags": entity = .tag
            case "param", "params", "parameter", "parameters": entity = .param
            case "metric", "metrics": entity = .metric
            default: throw fail("unknown entity '\(MLflowFields.printable(first))' (expected attributes, tags, params or metrics)")
            }
            guard i < s.count else { throw fail("expected a key after '\(first).'") }
            if s[i] == "`" || s[i] == "\"" {
                return (entity, try quoted(s[i]))
            }
            // Unquoted keys may hold dots (`tags.mlflow.runName`).
            let start = i
            while i < s.count, Lexer.isWord(s[i]) || s[i] == "." || s[i] == "-" { i += 1 }
            guard i > start else { throw fail("expected a key after '\(first).'") }
            var key = ""
            key.unicodeScalars.append(contentsOf: s[start..<i])
            return (entity, key)
        }

        mutating func comparator() throws(MLflowError) -> Comparator {
            skipSpace()
            guard i < s.count else { throw fail("expected a comparator") }
            let two = i + 1 < s.count ? String(s[i]) + String(s[i + 1]) : ""
            switch two {
            case "!=", "<>": i += 2; return .notEqual
            case "<=": i += 2; return .lessOrEqual
            case ">=": i += 2; return .greaterOrEqual
            case "==": i += 2; return .equal
            default: break
            }
            switch s[i] {
            case "=": i += 1; return .equal
            case "<": i += 1; return .less
            case ">": i += 1; return .greater
            default: break
            }
            if keyword("LIKE") { return .like }
            if keyword("ILIKE") { return .ilike }
            if keyword("IN") { return .in }
            if keyword("NOT") {
                guard keyword("IN") else { throw fail("expected IN after NOT") }
                return .notIn
            }
            throw fail("expected a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN)")
        }

        mutating func scalarValue() throws(MLflowError) -> Value {
            skipSpace()
            guard i < s.count else { throw fail("expected a value") }
            if s[i] == "'" || s[i] == "\"" { return .string(try quoted(s[i])) }
            let start = i
            while i < s.count, Lexer.isWord(s[i]) || s[i] == "." || s[i] == "-" || s[i] == "+" { i += 1 }
            var text = ""
            text.unicodeScalars.append(contentsOf: s[start..<i])
            guard let number = Double(text), number.isFinite else {
                throw fail("expected a quoted string or a number, got '\(MLflowFields.printable(text))'")
            }
            return .number(number)
        }

        mutating func clause() throws(MLflowError) -> Clause {
            let (entity, key) = try identifier()
            let comparator = try comparator()
            if comparator == .in || comparator == .notIn {
                skipSpace()
                guard i < s.count, s[i] == "(" else { throw fail("expected '(' after IN") }
                i += 1
                var items: [String] = []
                while true {
                    switch try scalarValue() {
                    case .string(let text): items.append(text)
                    case .number(let number): items.append(number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number))
                    case .list: throw fail("nested list")
                    }
                    skipSpace()
                    guard i < s.count else { throw fail("unterminated list") }
                    if s[i] == "," { i += 1; continue }
                    if s[i] == ")" { i += 1; break }
                    throw fail("expected ',' or ')' in a list")
                }
                return Clause(entity: entity, key: key, comparator: comparator, value: .list(items))
            }
            return Clause(entity: entity, key: key, comparator: comparator, value: try scalarValue())
        }
    }
}
