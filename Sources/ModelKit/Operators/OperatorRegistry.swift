/// The operator table: (domain, op type) -> implementations by the opset version they start at.
///
/// Shaped like tract's `OnnxOpRegister`: each operator family registers its builders in
/// `register(into:)`, and `OperatorRegistry.standard` collects the families. A node resolves
/// to the entry with the greatest `since` <= the model's opset for the node's domain; the
/// builder receives that opset in `NodeContext.opsetVersion` to pick version semantics.
struct OperatorRegistry: Sendable {
    /// Builds the operator of one node from its context (attributes checked here, once).
    typealias Builder = @Sendable (NodeContext) throws -> any Operator

    struct Entry: Sendable {
        let since: Int
        let builder: Builder
    }

    private var table: [String: [Entry]] = [:]

    /// An empty registry.
    init() {}

    /// `""` for `ai.onnx` (both spellings are the default domain).
    static func normalize(domain: String) -> String {
        domain == "ai.onnx" ? "" : domain
    }

    private static func key(_ domain: String, _ opType: String) -> String {
        normalize(domain: domain) + "\u{1F}" + opType
    }

    /// Registers `builder` for `opType` in `domain` from opset `since` on (until a later registration).
    mutating func register(_ opType: String, domain: String = "", since: Int = 1, _ builder: @escaping Builder) {
        let k = OperatorRegistry.key(domain, opType)
        var entries = table[k] ?? []
        entries.removeAll { $0.since == since }
        entries.append(Entry(since: since, builder: builder))
        entries.sort { $0.since < $1.since }
        table[k] = entries
    }

    /// The entry for `opType` in `domain` at opset `version`, or `nil`.
    func entry(domain: String, opType: String, version: Int) -> Entry? {
        guard let entries = table[OperatorRegistry.key(domain, opType)] else { return nil }
        return entries.last { $0.since <= version }
    }

    /// The lowest opset version `opType` is implemented for, if at all.
    func oldestVersion(domain: String, opType: String) -> Int? {
        table[OperatorRegistry.key(domain, opType)]?.first?.since
    }
}
