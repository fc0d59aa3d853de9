/// Per-request state that travels with a request through middleware to the handler
/// (Hummingbird's `RequestContext` shape): route, parameters, logger, request id, storage.
public struct RequestContext: Sendable {
    /// Parameters captured from the route template (`{m}` → `parameters["m"]`).
    public var parameters: RouteParameters
    /// The template of the matched route (`/v2/models/{m}/infer`), nil when none matched.
    /// Label metrics and logs with this, never with the raw path.
    public var routeTemplate: String?
    /// The request's logger; it carries `request.id` (and `trace.id` when set). Made when
    /// asked for: most requests log nothing, and the metadata costs a dictionary each.
    public var logger: Logger {
        get {
            var logger = baseLogger
            logger[metadataKey: "request.id"] = .string(requestID)
            if let traceID { logger[metadataKey: "trace.id"] = .string(traceID.description) }
            return logger
        }
        set { baseLogger = newValue }
    }
    /// The logger `logger` adds this request's ids to.
    public var baseLogger: Logger
    /// The request id: the client's `X-Request-ID` when valid, else a generated one.
    public var requestID: String
    /// The W3C trace id this request belongs to, when a middleware knows it (logged as `trace.id`).
    public var traceID: TraceID?
    /// Typed values middleware passes on (authenticated key id, model name, …).
    public var storage: ContextStorage
    /// Monotonic nanoseconds (`MonotonicClock`) when the server had the request head, 0 when
    /// unknown (a context made outside the server). Access logs time requests from it.
    public var receivedAt: UInt64 = 0
    /// Route match result the router keeps between `prepare` and `respond`.
    var match: RouteMatch

    /// The index in `RouterResponder.routeTable` of the matched route, nil when no route
    /// matched (404, 405) or the router has not resolved the request yet.
    public var routeIndex: Int? {
        if case .route(let index) = match { return index }
        return nil
    }

    /// For a path whose routes do not accept the request's method (405), the methods they
    /// do accept; nil otherwise. CORS preflight answers from this.
    public var allowedMethods: [HTTPMethod]? {
        if case .methodNotAllowed(let methods) = match { return methods }
        return nil
    }

    public init(logger: Logger, requestID: String, parameters: RouteParameters = RouteParameters(), routeTemplate: String? = nil) {
        self.parameters = parameters
        self.routeTemplate = routeTemplate
        self.baseLogger = logger
        self.requestID = requestID
        self.storage = ContextStorage()
        self.match = .unresolved
    }
}

/// What the router found for a request head.
enum RouteMatch: Sendable {
    case unresolved
    case route(Int)
    case notFound
    case methodNotAllowed([HTTPMethod])
}

/// Parameters captured from a route template, in template order.
public struct RouteParameters: Sendable, Equatable, Sequence {
    public private(set) var pairs: [(name: String, value: String)]

    public init() { pairs = [] }

    public init(_ pairs: [(String, String)]) {
        self.pairs = pairs.map { (name: $0.0, value: $0.1) }
    }

    /// The decoded value of `name`, or nil.
    public subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// The value of `name`; throws a 400 when it is absent or empty.
    public func require(_ name: String) throws(HTTPError) -> String {
        guard let value = self[name], !value.isEmpty else {
            throw HTTPError(.badRequest, message: "missing path parameter '\(name)'")
        }
        return value
    }

    /// The value of `name` converted to `T` (e.g. `Int`); throws a 400 when absent or invalid.
    public func require<T: LosslessStringConvertible>(_ name: String, as type: T.Type) throws(HTTPError) -> T {
        let raw = try require(name)
        guard let value = T(raw) else {
            throw HTTPError(.badRequest, message: "invalid path parameter '\(name)'")
        }
        return value
    }

    mutating func append(_ name: String, _ value: String) {
        pairs.append((name, value))
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { pairs.makeIterator() }

    public static func == (lhs: RouteParameters, rhs: RouteParameters) -> Bool {
        lhs.pairs.count == rhs.pairs.count && zip(lhs.pairs, rhs.pairs).allSatisfy { $0 == $1 }
    }
}

/// A key for `ContextStorage`: the type is the key, `Value` the stored type.
///
/// ```swift
/// enum AuthenticatedKeyID: ContextStorageKey { typealias Value = String }
/// context.storage[AuthenticatedKeyID.self] = "key-1"
/// ```
public protocol ContextStorageKey {
    associatedtype Value: Sendable
}

/// A small typed key/value store carried by `RequestContext` (a few entries, linear scan;
/// the first entry is held inline, so a request that stores one value allocates nothing).
/// Inlinable, so each key's accessors are specialized where they are used.
public struct ContextStorage: Sendable {
    @usableFromInline var firstKey: ObjectIdentifier?
    @usableFromInline var firstValue: any Sendable = ()
    @usableFromInline var rest: [(key: ObjectIdentifier, value: any Sendable)] = []

    public init() {}

    @inlinable
    public subscript<Key: ContextStorageKey>(key: Key.Type) -> Key.Value? {
        get {
            let id = ObjectIdentifier(key)
            if firstKey == id { return firstValue as? Key.Value }
            for entry in rest where entry.key == id { return entry.value as? Key.Value }
            return nil
        }
        set {
            let id = ObjectIdentifier(key)
            if firstKey == nil || firstKey == id {
                if let newValue {
                    firstKey = id
                    firstValue = newValue
                } else if firstKey == id {
                    if rest.isEmpty {
                        firstKey = nil
                        firstValue = ()
                    } else {
                        let moved = rest.removeFirst()
                        firstKey = moved.key
                        firstValue = moved.value
                    }
                }
            } else if let i = rest.firstIndex(where: { $0.key == id }) {
                if let newValue { rest[i].value = newValue } else { rest.remove(at: i) }
            } else if let newValue {
                rest.append((id, newValue))
            }
        }
    }
}
