/// One dimension of a declared or inferred shape.
public enum Dimension: Sendable, Hashable, CustomStringConvertible {
    /// A static size.
    case fixed(Int)
    /// A named variable size (ONNX `dim_param`, e.g. `"batch"`).
    case symbolic(String)
    /// A variable size with no name.
    case unknown

    /// The size, or -1 for a variable dimension (the convention of KServe V2 metadata).
    public var value: Int {
        if case .fixed(let n) = self { return n }
        return -1
    }

    /// The static size, if known.
    public var fixedValue: Int? {
        if case .fixed(let n) = self { return n }
        return nil
    }

    public var description: String {
        switch self {
        case .fixed(let n): return String(n)
        case .symbolic(let name): return name
        case .unknown: return "?"
        }
    }
}

/// The type of a graph value: a tensor (element type + shape), a sequence or a map.
public indirect enum ValueType: Sendable, Hashable, CustomStringConvertible {
    /// A tensor; `shape` is `nil` when even the rank is unknown.
    case tensor(elementType: DataType, shape: [Dimension]?)
    /// A sequence of values of one type.
    case sequence(ValueType)
    /// A map from `key` (int64 or string) to values of one type.
    case map(key: DataType, value: ValueType)

    /// The element type of a tensor, `nil` for sequences and maps.
    public var tensorElementType: DataType? {
        if case .tensor(let e, _) = self { return e }
        return nil
    }

    /// The shape of a tensor, `nil` for sequences, maps and unknown ranks.
    public var tensorShape: [Dimension]? {
        if case .tensor(_, let s) = self { return s }
        return nil
    }

    public var description: String {
        switch self {
        case .tensor(let e, let s):
            guard let s else { return "tensor(\(e))" }
            return "tensor(\(e))[\(s.map(\.description).joined(separator: ", "))]"
        case .sequence(let e): return "seq(\(e))"
        case .map(let k, let v): return "map(\(k), \(v))"
        }
    }

    /// Shapes as readable text, e.g. `[N, 8]`.
    static func describe(_ shape: [Dimension]?) -> String {
        guard let shape else { return "[unknown rank]" }
        return "[\(shape.map(\.description).joined(separator: ", "))]"
    }
}

/// What shape/type inference knows about a value at load: its type, and its contents when constant.
public struct ValueFact: Sendable {
    /// The value's type (tensor element type and dimensions, or sequence/map).
    public var type: ValueType
    /// The value itself when known at load (initializers, `Constant`, folded nodes).
    public var constant: Tensor?

    /// A fact about a tensor of `elementType` and `shape`.
    public init(_ elementType: DataType, _ shape: [Dimension]?) {
        self.type = .tensor(elementType: elementType, shape: shape)
        self.constant = nil
    }

    /// A fact of any type.
    public init(type: ValueType) {
        self.type = type
        self.constant = nil
    }

    /// A fact about a known tensor.
    public init(constant: Tensor) {
        self.type = .tensor(elementType: constant.dataType, shape: constant.shape.map { .fixed($0) })
        self.constant = constant
    }

    /// The tensor element type; throws if the value is a sequence or map.
    public func elementType() throws -> DataType {
        guard case .tensor(let e, _) = type else {
            throw ModelError.invalidModel("expected a tensor, got \(type)")
        }
        return e
    }

    /// The tensor shape (nil when the rank is unknown); throws for sequences and maps.
    public func shape() throws -> [Dimension]? {
        guard case .tensor(_, let s) = type else {
            throw ModelError.invalidModel("expected a tensor, got \(type)")
        }
        return s
    }

    /// The rank, when known.
    public var rank: Int? { type.tensorShape?.count }
}
