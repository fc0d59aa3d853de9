#if canImport(Glibc)
import Glibc
#endif

/// A loaded, validated ONNX model, ready to run from any number of threads at once.
///
/// Loading parses the file defensively, resolves and checks the graph, builds every node's
/// operator with its attributes, infers types and shapes, folds constant nodes and plans
/// the execution; any problem fails here with a `ModelError` naming it. `run` only reads
/// the session's immutable state and works in per-call buffers.
public final class Session: Sendable {
    /// The inputs a caller must feed, in graph order.
    public let inputs: [ValueDescription]
    /// The outputs, in graph order.
    public let outputs: [ValueDescription]
    /// Producer, opsets, metadata properties.
    public let metadata: ModelMetadata
    /// The limits the model was checked against; feeds and intermediates are held to them too.
    public let limits: ModelLimits

    private let plan: ExecutionPlan
    private let pool = BufferPool()
    /// Feedable values (required inputs and overridable initializers) by name.
    private let feedSlots: [String: FeedSlot]
    private let requiredCount: Int
    private let outputSlots: [(name: String, slot: Int)]
    /// The required inputs' slots, in the order of `inputs`.
    private let inputSlots: [FeedSlot]

    /// A value a caller may feed: its name, slot, declared type and whether it is required.
    private struct FeedSlot {
        let name: String
        let slot: Int
        let type: ValueType
        let required: Bool
    }
    private let outputIndex: [String: Int]

    /// Loads a model from its serialized bytes.
    public convenience init(modelBytes: [UInt8], limits: ModelLimits = .default) throws {
        try self.init(modelBytes: modelBytes, limits: limits, registry: .standard)
    }

    /// Loads a model with a given operator table (tests and extensions).
    init(modelBytes: [UInt8], limits: ModelLimits, registry: OperatorRegistry) throws {
        let model = try ModelProto(bytes: modelBytes, limits: limits)
        let graph = try Graph(model: model, limits: limits, registry: registry)
        self.limits = limits
        self.plan = ExecutionPlan(graph: graph)
        func feedSlot(_ id: ValueID, required: Bool) -> FeedSlot {
            FeedSlot(name: graph.names[id.index], slot: id.index, type: graph.facts[id.index].type, required: required)
        }
        let required = graph.inputs.map { feedSlot($0, required: true) }
        var feeds: [String: FeedSlot] = [:]
        for slot in required + graph.overridableInputs.map({ feedSlot($0, required: false) }) { feeds[slot.name] = slot }
        self.feedSlots = feeds
        self.requiredCount = graph.inputs.count
        self.inputSlots = required
        self.inputs = graph.inputs.map { ValueDescription(name: graph.names[$0.index], type: graph.facts[$0.index].type) }
        self.outputs = graph.outputs.map { ValueDescription(name: graph.names[$0.index], type: graph.facts[$0.index].type) }
        self.outputSlots = graph.outputs.map { (graph.names[$0.index], $0.index) }
        var index: [String: Int] = [:]
        for (i, o) in outputSlots.enumerated() { index[o.name] = i }
        self.outputIndex = index
        var opsets: [String: Int] = [:]
        for (domain, version) in try Graph.opsetTable(model) { opsets[domain.isEmpty ? "ai.onnx" : domain] = version }
        self.metadata = ModelMetadata(
            irVersion: model.irVersion, producerName: model.producerName, producerVersion: model.producerVersion,
            domain: model.domain, modelVersion: model.modelVersion, docString: model.docString,
            graphName: model.graph?.name ?? "", opsets: opsets, properties: model.metadataProps)
    }

    /// Loads a model file; its size is checked against `limits.maxModelBytes` before reading.
    public convenience init(contentsOfFile path: String, limits: ModelLimits = .default) throws {
        try self.init(modelBytes: try Session.readFile(path, maxBytes: limits.maxModelBytes), limits: limits)
    }

    /// Runs the model on tensor feeds (one per input, by name) and returns the requested outputs
    /// (all when `outputs` is `nil`) by name.
    public func run(_ feeds: [String: Tensor], outputs requested: [String]? = nil) throws -> [String: Value] {
        var slots = plan.initialSlots
        var required = 0
        for (name, tensor) in feeds {
            let slot = try checkFeed(name, tensor)
            if slot.required { required += 1 }
            slots[slot.index] = .tensor(tensor)
        }
        return try finish(&slots, required, requested)
    }

    /// Runs the model on one tensor per required input, in the order of `inputs`, and returns
    /// every output in the order of `outputs` — the positional form of `run(_:outputs:)`,
    /// without the name lookups (the per-request path of a server).
    public func run(inputs feeds: [Tensor]) throws -> [Value] {
        guard feeds.count == inputs.count else {
            throw ModelError.invalidInput("expected \(inputs.count) input(s) (\(inputs.map(\.name).joined(separator: ", "))), got \(feeds.count)")
        }
        var slots = plan.initialSlots
        for (i, tensor) in feeds.enumerated() {
            let slot = try checkFeed(inputSlots[i], tensor)
            slots[slot.index] = .tensor(tensor)
        }
        try plan.execute(&slots, limits: limits, pool: pool)
        var result: [Value] = []
        result.reserveCapacity(outputSlots.count)
        for (name, slot) in outputSlots {
            guard let value = slots[slot] else { throw ModelError.runtime("output '\(name)' was not computed") }
            result.append(value)
        }
        return result
    }

    /// Runs the model on feeds that may be sequences or maps as well as tensors.
    public func run(values feeds: [String: Value], outputs requested: [String]? = nil) throws -> [String: Value] {
        var slots = plan.initialSlots
        var required = 0
        for (name, value) in feeds {
            let slot: (index: Int, required: Bool)
            if case .tensor(let tensor) = value {
                slot = try checkFeed(name, tensor)
            } else {
                guard let entry = feedSlots[name] else { throw unknownInput(name) }
                guard Session.kindMatches(entry.type, value) else {
                    throw ModelError.invalidInput("input '\(name)': expected \(entry.type), got a value of another kind")
                }
                slot = (entry.slot, entry.required)
            }
            if slot.required { required += 1 }
            slots[slot.index] = value
        }
        return try finish(&slots, required, requested)
    }

    private func finish(_ slots: inout [Value?], _ required: Int, _ requested: [String]?) throws -> [String: Value] {
        if required != requiredCount {
            let missing = inputs.map(\.name).filter { name in feedSlots[name].map { slots[$0.slot] == nil } ?? false }
            throw ModelError.invalidInput("missing input(s): \(missing.joined(separator: ", "))")
        }
        if let requested {
            for name in requested where outputIndex[name] == nil {
                throw ModelError.invalidInput("unknown output '\(name)'; the model's outputs are \(outputSlots.map(\.name).joined(separator: ", "))")
            }
        }
        try plan.execute(&slots, limits: limits, pool: pool)
        var result: [String: Value] = [:]
        result.reserveCapacity(requested?.count ?? outputSlots.count)
        if let requested {
            for name in requested {
                guard let i = outputIndex[name], let value = slots[outputSlots[i].slot] else {
                    throw ModelError.runtime("output '\(name)' was not computed")
                }
                result[name] = value
            }
        } else {
            for (name, slot) in outputSlots {
                guard let value = slots[slot] else { throw ModelError.runtime("output '\(name)' was not computed") }
                result[name] = value
            }
        }
        return result
    }

    private func unknownInput(_ name: String) -> ModelError {
        .invalidInput("unknown input '\(name)'; the model's inputs are \(inputs.map(\.name).joined(separator: ", "))")
    }

    /// Checks a tensor feed against the declared input: element type, rank, static dimensions.
    private func checkFeed(_ name: String, _ tensor: Tensor) throws -> (index: Int, required: Bool) {
        guard let entry = feedSlots[name] else { throw unknownInput(name) }
        return try checkFeed(entry, tensor)
    }

    /// Checks a tensor feed against a known feedable slot.
    private func checkFeed(_ entry: FeedSlot, _ tensor: Tensor) throws -> (index: Int, required: Bool) {
        let name = entry.name
        guard case .tensor(let elementType, let shape) = entry.type else {
            throw ModelError.invalidInput("input '\(name)': expected \(entry.type), got a tensor")
        }
        func mismatch() -> ModelError {
            .invalidInput("input '\(name)': expected \(entry.type), got tensor(\(tensor.dataType)) of shape \(tensor.shape)")
        }
        guard tensor.dataType == elementType else { throw mismatch() }
        do {
            try limits.check(shape: tensor.shape, "input '\(name)'")
        } catch let error as ModelError {
            throw ModelError(error.kind == .limitExceeded ? .limitExceeded : .invalidInput, error.message)
        }
        if let shape {
            guard shape.count == tensor.rank else { throw mismatch() }
            for (dim, size) in zip(shape, tensor.shape) {
                if case .fixed(let n) = dim, n != size { throw mismatch() }
            }
        }
        return (entry.slot, entry.required)
    }

    private static func kindMatches(_ type: ValueType, _ value: Value) -> Bool {
        switch (type, value) {
        case (.tensor, .tensor), (.sequence, .sequence), (.map, .map): return true
        default: return false
        }
    }

    /// Reads a whole file with POSIX calls, refusing files larger than `maxBytes` before reading.
    static func readFile(_ path: String, maxBytes: Int) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ModelError(.io, "cannot open '\(path)': errno \(errno)") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ModelError(.io, "cannot stat '\(path)': errno \(errno)") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw ModelError(.io, "'\(path)' is not a regular file") }
        let size = Int(info.st_size)
        guard size <= maxBytes else {
            throw ModelError.limit("model file '\(path)' is \(size) bytes, above the limit of \(maxBytes)")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return read(fd, base + done, size - done)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw ModelError(.io, "cannot read '\(path)': errno \(errno)")
            }
            if n == 0 { break }
            done += n
        }
        if done < size { bytes.removeSubrange(done...) }
        return bytes
    }
}
