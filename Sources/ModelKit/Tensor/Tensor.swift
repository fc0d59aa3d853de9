/// An n-dimensional array: a shape and a typed, row-major element buffer.
///
/// A value type (copy-on-write through its arrays), `Sendable`, cheap to pass around.
/// The element count always equals the product of the shape (checked by every public
/// initializer); a scalar has shape `[]` and one element.
public struct Tensor: Sendable, Equatable {
    /// The dimensions, outermost first; every entry is >= 0.
    public private(set) var shape: [Int]
    /// The elements in row-major order.
    public private(set) var storage: TensorStorage

    /// The element type.
    public var dataType: DataType { storage.dataType }
    /// The number of elements (the product of `shape`).
    public var elementCount: Int { storage.count }
    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// A tensor of `shape` over `storage`; throws `.invalidInput` if the counts disagree.
    public init(shape: [Int], storage: TensorStorage) throws {
        guard let count = Tensor.elementCount(of: shape) else {
            throw ModelError.invalidInput("invalid tensor shape \(shape): dimensions must be >= 0 and their product must fit in Int")
        }
        guard count == storage.count else {
            throw ModelError.invalidInput("tensor shape \(shape) holds \(count) elements but \(storage.count) were given")
        }
        self.shape = shape
        self.storage = storage
    }

    /// A tensor whose caller guarantees `storage.count == product(shape)` (operators, after checks).
    init(unchecked shape: [Int], _ storage: TensorStorage) {
        self.shape = shape
        self.storage = storage
    }

    /// A tensor of `shape` holding `elements`; throws `.invalidInput` if the counts disagree.
    public init<T: TensorElement>(shape: [Int], elements: [T]) throws {
        try self.init(shape: shape, storage: T.storage(elements))
    }

    /// A rank-0 tensor holding `value`.
    public init<T: TensorElement>(scalar value: T) {
        self.init(unchecked: [], T.storage([value]))
    }

    /// A half-precision tensor from IEEE-754 binary16 bit patterns.
    public init(shape: [Int], float16Bits: [UInt16]) throws {
        try self.init(shape: shape, storage: .float16(float16Bits))
    }

    /// A tensor of zeros (false, empty strings) of `dataType` and `shape`.
    public init(zeros dataType: DataType, shape: [Int]) throws {
        guard let count = Tensor.elementCount(of: shape) else {
            throw ModelError.invalidInput("invalid tensor shape \(shape)")
        }
        guard let storage = TensorStorage.zeros(dataType, count: count) else {
            throw ModelError.unsupported("tensors of type \(dataType) are not supported")
        }
        self.init(unchecked: shape, storage)
    }

    /// The elements as `[T]` when the tensor's type is `T`, else `nil`.
    public func elements<T: TensorElement>(as type: T.Type = T.self) -> [T]? {
        T.values(of: storage)
    }

    /// The elements of a numeric or bool tensor converted to `Float` (float16 decoded); `nil` for strings.
    public func floatValues() -> [Float]? {
        switch storage {
        case .float(let v): return v
        case .float16(let v): return v.map { Float(Float16(bitPattern: $0)) }
        case .double(let v): return v.map { Float($0) }
        case .string: return nil
        default: return doubleValues().map { $0.map { Float($0) } }
        }
    }

    /// The elements of a numeric or bool tensor converted to `Double`; `nil` for strings.
    public func doubleValues() -> [Double]? {
        switch storage {
        case .float(let v): return v.map { Double($0) }
        case .double(let v): return v
        case .float16(let v): return v.map { Double(Float(Float16(bitPattern: $0))) }
        case .int8(let v): return v.map { Double($0) }
        case .int16(let v): return v.map { Double($0) }
        case .int32(let v): return v.map { Double($0) }
        case .int64(let v): return v.map { Double($0) }
        case .uint8(let v): return v.map { Double($0) }
        case .uint16(let v): return v.map { Double($0) }
        case .uint32(let v): return v.map { Double($0) }
        case .uint64(let v): return v.map { Double($0) }
        case .bool(let v): return v.map { $0 ? 1 : 0 }
        case .string: return nil
        }
    }

    /// The elements of an integer tensor as `Int64` (uint64 above `Int64.max` wraps); `nil` otherwise.
    public func int64Values() -> [Int64]? {
        switch storage {
        case .int64(let v): return v
        case .int32(let v): return v.map { Int64($0) }
        case .int16(let v): return v.map { Int64($0) }
        case .int8(let v): return v.map { Int64($0) }
        case .uint8(let v): return v.map { Int64($0) }
        case .uint16(let v): return v.map { Int64($0) }
        case .uint32(let v): return v.map { Int64($0) }
        case .uint64(let v): return v.map { Int64(truncatingIfNeeded: $0) }
        default: return nil
        }
    }

    /// The same elements under another shape with the same element count.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        guard let count = Tensor.elementCount(of: newShape), count == elementCount else {
            throw ModelError.invalidInput("cannot reshape a tensor of shape \(shape) to \(newShape)")
        }
        return Tensor(unchecked: newShape, storage)
    }

    /// Replaces the shape; the caller guarantees the element count is unchanged.
    mutating func setShapeUnchecked(_ newShape: [Int]) {
        shape = newShape
    }

    /// The product of `shape`, or `nil` if a dimension is negative or the product of the
    /// non-zero dimensions overflows. (Checking the non-zero ones too means every partial
    /// product of a valid shape fits in `Int`, even when a zero makes the total 0.)
    public static func elementCount(of shape: [Int]) -> Int? {
        var count = 1
        var hasZero = false
        for dim in shape {
            guard dim >= 0 else { return nil }
            if dim == 0 { hasZero = true; continue }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else { return nil }
            count = product
        }
        return hasZero ? 0 : count
    }

    /// Row-major strides of `shape` (in elements); callers pass shapes whose product fits.
    static func strides(of shape: [Int]) -> [Int] {
        var strides = Array(repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running &*= shape[axis]
        }
        return strides
    }
}

extension Tensor {
    /// Moves the float buffer out (leaving the tensor empty) so it can be mutated without a copy.
    mutating func takeFloats() -> [Float]? {
        guard case .float(let values) = storage else { return nil }
        storage = .float([])
        return values
    }

    /// Moves the storage out, leaving an empty float buffer.
    mutating func takeStorage() -> TensorStorage {
        let s = storage
        storage = .float([])
        return s
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String { "tensor(\(dataType))\(shape)" }
}
