/// One segment of a route template.
enum TemplateSegment: Equatable {
    /// A literal segment, compared with the decoded path segment.
    case literal([UInt8])
    /// `{name}`: a whole non-empty segment.
    case parameter(String)
    /// `{name}:verb`: a non-empty segment ending in `:verb`; the parameter is the rest.
    case parameterWithVerb(String, verb: [UInt8])
}

enum RouteTemplate {
    /// Parses `/a/{b}/c:d`, `/v1/models/{m}:predict`, `/`.
    static func parse(_ template: String) throws(RouterError) -> [TemplateSegment] {
        guard template.hasPrefix("/") else { throw RouterError(template: template, reason: "must start with /") }
        if template == "/" { return [] }
        var result: [TemplateSegment] = []
        for raw in template.utf8.dropFirst().split(separator: HTTPByte.slash, omittingEmptySubsequences: false) {
            let s = Array(raw)
            if s.first == 0x7B {  // {
                guard let close = s.firstIndex(of: 0x7D), close > 1 else {
                    throw RouterError(template: template, reason: "unterminated or empty parameter")
                }
                let name = String(decoding: s[1..<close], as: UTF8.self)
                guard !name.contains("{") else { throw RouterError(template: template, reason: "nested braces") }
                if close == s.count - 1 {
                    result.append(.parameter(name))
                } else {
                    let rest = Array(s[(close + 1)...])
                    guard rest.first == HTTPByte.colon, rest.count > 1, !rest.contains(0x7B), !rest.contains(0x7D) else {
                        throw RouterError(template: template, reason: "a parameter may only be followed by :verb")
                    }
                    result.append(.parameterWithVerb(name, verb: rest))
                }
            } else {
                guard !s.contains(0x7B), !s.contains(0x7D) else {
                    throw RouterError(template: template, reason: "braces inside a literal segment")
                }
                result.append(.literal(s))
            }
        }
        return result
    }
}

/// The route tree: literal, verb and parameter edges per segment.
struct RouteTrie: Sendable {
    struct Node: Sendable {
        var literals: [(segment: [UInt8], child: Int)] = []
        var verbs: [(name: String, verb: [UInt8], child: Int)] = []
        var parameters: [(name: String, child: Int)] = []
        var routes: [(method: HTTPMethod, route: Int)] = []
    }

    var nodes: [Node] = [Node()]

    mutating func insert(_ segments: [TemplateSegment], method: HTTPMethod, route: Int, template: String) throws(RouterError) {
        var current = 0
        for segment in segments {
            switch segment {
            case .literal(let bytes):
                if let edge = nodes[current].literals.first(where: { $0.segment == bytes }) {
                    current = edge.child
                } else {
                    nodes.append(Node())
                    nodes[current].literals.append((bytes, nodes.count - 1))
                    current = nodes.count - 1
                }
            case .parameter(let name):
                if let edge = nodes[current].parameters.first(where: { $0.name == name }) {
                    current = edge.child
                } else {
                    nodes.append(Node())
                    nodes[current].parameters.append((name, nodes.count - 1))
                    current = nodes.count - 1
                }
            case .parameterWithVerb(let name, let verb):
                if let edge = nodes[current].verbs.first(where: { $0.name == name && $0.verb == verb }) {
                    current = edge.child
                } else {
                    nodes.append(Node())
                    nodes[current].verbs.append((name, verb, nodes.count - 1))
                    current = nodes.count - 1
                }
            }
        }
        guard !nodes[current].routes.contains(where: { $0.method == method }) else {
            throw RouterError(template: template, reason: "registered twice for \(method)")
        }
        nodes[current].routes.append((method, route))
    }
}
