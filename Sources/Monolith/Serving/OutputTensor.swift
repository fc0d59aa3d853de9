import ModelKit

/// A model output ready to be encoded by any protocol: a tensor, plus class labels when
/// the model produced a ZipMap.
///
/// scikit-learn classifiers exported with ZipMap return their probabilities as a sequence
/// of maps (one `{class: probability}` per row). Every protocol here serves that as the
/// `[rows, classes]` tensor of the map's value type (FP32), columns in the maps' key order,
/// with `labels` holding the keys — the shape V2 clients and numpy expect, and the same
/// thing the model computes with `zipmap=False`.
struct OutputTensor: Sendable, Equatable {
    /// The output's graph name.
    let name: String
    /// The values.
    let tensor: Tensor
    /// The class label of each column (ZipMap keys), when the model named them.
    let labels: ClassLabels?

    init(name: String, tensor: Tensor, labels: ClassLabels? = nil) {
        self.name = name
        self.tensor = tensor
        self.labels = labels
    }

    /// Converts a value `Session.run` returned; throws a 500 for values no protocol can carry.
    init(name: String, value: Value) throws(ServingError) {
        switch value {
        case .tensor(let tensor):
            self.init(name: name, tensor: tensor)
        case .sequence(let elements):
            try self.init(name: name, sequence: elements)
        case .map(let map):
            // A single map: one row.
            try self.init(name: name, sequence: [.map(map)])
        }
    }

    private init(name: String, sequence: [Value]) throws(ServingError) {
        var maps: [MapValue] = []
        maps.reserveCapacity(sequence.count)
        for element in sequence {
            guard case .map(let map) = element else {
                throw ServingError(.internal, "output '\(name)' is a sequence of non-map values, which the server cannot encode")
            }
            maps.append(map)
        }
        guard let first = maps.first else {
            // No rows: a [0, 0] FP32 tensor.
            self.init(name: name, tensor: Tensor(zerosOf: .float, rows: 0, columns: 0))
            return
        }
        let columns = first.keys.count
        for map in maps where map.keys != first.keys {
            throw ServingError(.internal, "output '\(name)': the rows' maps have different keys")
        }
        var storage: TensorStorage
        switch first.values.storage {
        case .float: storage = .float(maps.flatMap { $0.values.elements(as: Float.self) ?? [] })
        case .double: storage = .double(maps.flatMap { $0.values.elements(as: Double.self) ?? [] })
        case .int64: storage = .int64(maps.flatMap { $0.values.elements(as: Int64.self) ?? [] })
        case .string: storage = .string(maps.flatMap { $0.values.elements(as: String.self) ?? [] })
        default:
            let values = maps.flatMap { $0.values.floatValues() ?? [] }
            storage = .float(values)
        }
        guard let tensor = try? Tensor(shape: [maps.count, columns], storage: storage) else {
            throw ServingError(.internal, "output '\(name)': the rows' maps hold values of different types")
        }
        let labels: ClassLabels
        switch first.keys {
        case .int64(let keys): labels = .integers(keys)
        case .string(let keys): labels = .strings(keys)
        }
        self.init(name: name, tensor: tensor, labels: labels)
    }
}

/// The class labels of a classifier's columns.
enum ClassLabels: Sendable, Equatable {
    case integers([Int64])
    case strings([String])

    var count: Int {
        switch self {
        case .integers(let l): return l.count
        case .strings(let l): return l.count
        }
    }

    /// The label of column `index` as text.
    func text(_ index: Int) -> String {
        switch self {
        case .integers(let l): return index < l.count ? String(l[index]) : String(index)
        case .strings(let l): return index < l.count ? l[index] : String(index)
        }
    }
}

extension Tensor {
    /// An empty-or-zero float tensor of `rows` × `columns` (never throws: the shape is valid).
    init(zerosOf type: DataType, rows: Int, columns: Int) {
        self = (try? Tensor(zeros: type, shape: [rows, columns])) ?? Tensor(scalar: Float(0))
    }
}

/// Runs a session and turns its values into `OutputTensor`s in the requested order.
extension ModelSignature {
    /// Output names to compute: the requested ones (checked) or all, in model order.
    func outputNames(requested: [String]?) throws(ServingError) -> [String] {
        guard let requested else { return outputs.map(\.name) }
        for name in requested where !outputs.contains(where: { $0.name == name }) {
            throw .badRequest("unknown output '\(name)'; the model's outputs are \(outputNames)")
        }
        return requested
    }
}

/// One inference call with error mapping: feeds in, `OutputTensor`s out in `names` order.
func runInference(_ session: Session, feeds: [String: Tensor], outputs names: [String]) throws(ServingError) -> [OutputTensor] {
    let values = try mappingModelErrors { try session.run(feeds, outputs: names) }
    var result: [OutputTensor] = []
    result.reserveCapacity(names.count)
    for name in names {
        guard let value = values[name] else { throw ServingError(.internal, "output '\(name)' was not computed") }
        result.append(try OutputTensor(name: name, value: value))
    }
    return result
}

/// One inference call on positional inputs (one tensor per model input, in model order):
/// every output, named by `names` (the model's output names in order).
func runInference(_ session: Session, inputs: [Tensor], outputNames names: [String]) throws(ServingError) -> [OutputTensor] {
    let values = try mappingModelErrors { try session.run(inputs: inputs) }
    guard values.count == names.count else {
        throw ServingError(.internal, "the model computed \(values.count) outputs for \(names.count) names")
    }
    var result: [OutputTensor] = []
    result.reserveCapacity(names.count)
    for (name, value) in zip(names, values) { result.append(try OutputTensor(name: name, value: value)) }
    return result
}

/// Runs `body`, turning a `ModelError` into the matching `ServingError` and anything else into a 500.
private func mappingModelErrors<T>(_ body: () throws -> T) throws(ServingError) -> T {
    do {
        return try body()
    } catch let error as ModelError {
        throw .inference(error)
    } catch {
        throw ServingError(.internal, "inference failed: \(error)")
    }
}
