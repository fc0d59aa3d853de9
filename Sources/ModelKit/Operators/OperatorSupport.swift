/// Helpers shared by operator implementations: fact checks, axis normalization, type sets.
enum OpSupport {
    static let floatTypes: Set<DataType> = [.float, .double, .float16]
    static let integerTypes: Set<DataType> = [.int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64]
    static let signedTypes: Set<DataType> = [.int8, .int16, .int32, .int64, .float, .double, .float16]
    static let numericTypes: Set<DataType> = floatTypes.union(integerTypes)
    static let allTypes: Set<DataType> = numericTypes.union([.bool, .string])

    /// Input `index`'s tensor element type and shape; throws if missing or not a tensor.
    static func tensorFact(_ inputs: [ValueFact?], _ index: Int, _ name: String) throws -> (type: DataType, shape: [Dimension]?) {
        guard index < inputs.count, let fact = inputs[index] else {
            throw ModelError.invalidModel("required input \(index) (\(name)) is missing")
        }
        guard case .tensor(let e, let s) = fact.type else {
            throw ModelError.invalidModel("input \(index) (\(name)) must be a tensor, got \(fact.type)")
        }
        return (e, s)
    }

    /// Throws unless `type` is one of `allowed`.
    static func check(_ type: DataType, in allowed: Set<DataType>, _ name: String) throws {
        guard allowed.contains(type) else {
            let list = allowed.map(\.onnxName).sorted().joined(separator: ", ")
            throw ModelError.invalidModel("input \(name) has type \(type); allowed: \(list)")
        }
    }

    /// Throws unless two inputs have the same element type.
    static func checkSame(_ a: DataType, _ b: DataType, _ names: String) throws {
        guard a == b else { throw ModelError.invalidModel("inputs \(names) must have the same type, got \(a) and \(b)") }
    }

    /// `axis` in `[-rank, rank)` made non-negative; throws otherwise (always for rank 0).
    static func normalize(axis: Int, rank: Int, _ what: String = "axis") throws -> Int {
        guard axis >= -rank, axis < rank else {
            throw ModelError.invalidModel("\(what) \(axis) is out of range for rank \(rank)")
        }
        return axis < 0 ? axis + rank : axis
    }

    /// Like `normalize(axis:rank:)` but at run time (error kind `.runtime`).
    static func runtimeAxis(_ axis: Int, rank: Int, _ what: String = "axis") throws -> Int {
        guard axis >= -rank, axis < rank else {
            throw ModelError.runtime("\(what) \(axis) is out of range for rank \(rank)")
        }
        return axis < 0 ? axis + rank : axis
    }

    /// The values of a constant 1-D int64 (or int32) input, if known at load.
    static func constantInts(_ fact: ValueFact?) -> [Int]? {
        guard let t = fact?.constant, let v = t.int64Values() else { return nil }
        return v.map { Int(truncatingIfNeeded: $0) }
    }

    /// The values of an int64/int32 tensor as `Int`s (run time); throws for other types.
    static func ints(_ tensor: Tensor, _ what: String) throws -> [Int] {
        switch tensor.storage {
        case .int64(let v): return v.map { Int(truncatingIfNeeded: $0) }
        case .int32(let v): return v.map { Int($0) }
        default: throw ModelError.runtime("\(what) must be int64, got \(tensor.dataType)")
        }
    }

    /// Shapes of known rank with all dims unknown.
    static func unknownDims(_ rank: Int) -> [Dimension] { Array(repeating: .unknown, count: rank) }

    /// A shape of dimensions from static sizes.
    static func fixed(_ shape: [Int]) -> [Dimension] { shape.map { .fixed($0) } }
}
