extension Graph {
    /// Builds and checks the graph of `model`: resolves names, sorts topologically, builds
    /// every node's operator from `registry`, infers facts and folds constant nodes.
    init(model: ModelProto, limits: ModelLimits, registry: OperatorRegistry) throws {
        guard !model.hasTrainingInfo else {
            throw ModelError.unsupported("model contains training_info (training graphs), which is not supported")
        }
        guard let proto = model.graph else { throw ModelError.invalidModel("model has no graph") }
        guard proto.sparseInitializerCount == 0 else {
            throw ModelError.unsupported("graph has \(proto.sparseInitializerCount) sparse initializer(s), which are not supported")
        }
        let opsets = try Graph.opsetTable(model)

        var graph = Graph()
        var declared: [String: ValueType] = [:]
        for info in proto.valueInfo where !info.name.isEmpty {
            if let type = try? info.type?.valueType("value_info '\(info.name)'") { declared[info.name] = type }
        }

        func newValue(_ name: String, _ fact: ValueFact, _ constant: Tensor?) -> ValueID {
            let id = ValueID(index: graph.names.count)
            graph.names.append(name)
            graph.facts.append(fact)
            graph.constants.append(constant)
            if !name.isEmpty { graph.ids[name] = id }
            return id
        }

        // Initializers: constants (unless a graph input with the same name makes them overridable).
        for initializer in proto.initializers {
            let name = initializer.name
            guard !name.isEmpty else { throw ModelError.invalidModel("an initializer has no name") }
            guard graph.ids[name] == nil else { throw ModelError.invalidModel("initializer '\(name)' is defined twice") }
            let tensor = try initializer.makeTensor(limits: limits, what: "initializer '\(name)'")
            _ = newValue(name, ValueFact(constant: tensor), tensor)
        }

        // Graph inputs.
        var seenInputs = Set<String>()
        for info in proto.inputs {
            let name = info.name
            guard !name.isEmpty else { throw ModelError.invalidModel("a graph input has no name") }
            guard seenInputs.insert(name).inserted else { throw ModelError.invalidModel("graph input '\(name)' is declared twice") }
            if let id = graph.ids[name] {
                // IR < 4 lists initializers as inputs too: the initializer is a default that a feed may override.
                if let t = graph.constants[id.index] {
                    graph.facts[id.index] = ValueFact(t.dataType, t.shape.map { .fixed($0) })
                }
                graph.overridableInputs.append(id)
                continue
            }
            guard let type = info.type else { throw ModelError.invalidModel("graph input '\(name)' has no type") }
            let valueType = try type.valueType("graph input '\(name)'")
            graph.inputs.append(newValue(name, ValueFact(type: valueType), nil))
        }

        // Node outputs: each name defined once (ONNX graphs are in SSA form).
        var outputIDs: [[ValueID?]] = []
        var producer: [Int: Int] = [:]  // value index -> node index
        for (n, node) in proto.nodes.enumerated() {
            var ids: [ValueID?] = []
            for output in node.outputs {
                if output.isEmpty { ids.append(nil); continue }
                guard graph.ids[output] == nil else {
                    throw ModelError.invalidModel("\(Graph.label(node, n)): output '\(output)' is already defined by another node, input or initializer")
                }
                let id = newValue(output, ValueFact(type: .tensor(elementType: .float, shape: nil)), nil)
                producer[id.index] = n
                ids.append(id)
            }
            outputIDs.append(ids)
        }

        // Node inputs: every name must be a graph input, an initializer or a node output.
        var inputIDs: [[ValueID?]] = []
        for (n, node) in proto.nodes.enumerated() {
            var ids: [ValueID?] = []
            for input in node.inputs {
                if input.isEmpty { ids.append(nil); continue }
                guard let id = graph.ids[input] else {
                    throw ModelError.invalidModel("\(Graph.label(node, n)): input '\(input)' is not produced by any node, graph input or initializer (dangling input)")
                }
                ids.append(id)
            }
            inputIDs.append(ids)
        }

        let order = try Graph.topologicalOrder(proto.nodes, inputIDs, producer)

        // Build operators and infer facts in order; fold nodes whose inputs are all constant.
        for n in order {
            let node = proto.nodes[n]
            let label = Graph.label(node, n)
            let domain = OperatorRegistry.normalize(domain: node.domain)
            do {
                guard let version = opsets[domain] else {
                    throw ModelError.invalidModel("uses domain '\(node.domain)', which the model does not import (opset_import)")
                }
                guard let entry = registry.entry(domain: domain, opType: node.opType, version: version) else {
                    let shownDomain = domain.isEmpty ? "ai.onnx" : domain
                    var message = "operator \(node.opType) (domain '\(shownDomain)', opset \(version)) is not implemented"
                    if let oldest = registry.oldestVersion(domain: domain, opType: node.opType) {
                        message += "; it is supported from opset \(oldest)"
                    } else if model.functionCount > 0 {
                        message += "; the model defines \(model.functionCount) local function(s), which are not supported"
                    }
                    throw ModelError(.unknownOperator, message)
                }
                let context = NodeContext(
                    name: node.name, opType: node.opType, domain: domain, opsetVersion: version,
                    inputPresence: node.inputs.map { !$0.isEmpty }, outputCount: node.outputs.count,
                    attributes: try Attributes(node.attributes, limits: limits), limits: limits)
                let built = try entry.builder(context)
                var inFacts: [ValueFact?] = inputIDs[n].map { $0.map { graph.facts[$0.index] } }
                let outFacts = try built.outputFacts(inFacts)
                guard outFacts.count >= node.outputs.count else {
                    throw ModelError.invalidModel("declares \(node.outputs.count) outputs but the operator produces \(outFacts.count)")
                }
                for (slot, id) in outputIDs[n].enumerated() {
                    guard let id else { continue }
                    var fact = outFacts[slot]
                    if let declaredType = declared[graph.names[id.index]] {
                        fact = try Graph.merge(fact, declaredType, "output '\(graph.names[id.index])'", adopt: false)
                    }
                    graph.facts[id.index] = fact
                }
                let inputsConstant = inputIDs[n].allSatisfy { id in id.map { graph.constants[$0.index] != nil && !graph.overridableInputs.contains($0) } ?? true }
                // Overridable initializers are not constants: a feed may replace them.
                for (j, id) in inputIDs[n].enumerated() where id.map({ graph.overridableInputs.contains($0) }) ?? false {
                    inFacts[j]?.constant = nil
                }
                let op = try built.prepared(inFacts)
                // Outputs inference fully determined (e.g. Shape of a static shape) need no run.
                let named = outputIDs[n].compactMap { $0 }
                if !named.isEmpty && named.allSatisfy({ graph.facts[$0.index].constant != nil }) {
                    for id in named { graph.constants[id.index] = graph.facts[id.index].constant }
                    continue
                }
                if op.isFoldable && inputsConstant {
                    var inputs = OperatorInputs(values: inputIDs[n].map { $0.flatMap { graph.constants[$0.index] }.map { Value.tensor($0) } }, limits: limits)
                    let values = try op.run(&inputs)
                    guard values.count >= node.outputs.count else {
                        throw ModelError.invalidModel("operator returned \(values.count) values for \(node.outputs.count) outputs")
                    }
                    var folded = true
                    for (slot, id) in outputIDs[n].enumerated() {
                        guard let id else { continue }
                        guard case .tensor(let t) = values[slot] else { folded = false; continue }
                        graph.constants[id.index] = t
                        graph.facts[id.index].constant = t
                    }
                    if folded { continue }
                }
                graph.nodes.append(GraphNode(
                    name: node.name, opType: node.opType, domain: domain, opsetVersion: version,
                    inputs: inputIDs[n], outputs: outputIDs[n], op: op, label: label))
            } catch let error as ModelError {
                // Evaluation errors met at load (folding, inference) make the model invalid.
                let kind = error.kind == .runtime ? ModelError.Kind.invalidModel : error.kind
                throw ModelError(kind, "\(label): \(error.message)")
            }
        }

        // Graph outputs: produced somewhere, declared type compatible with the inferred one.
        var seenOutputs = Set<String>()
        for info in proto.outputs {
            let name = info.name
            guard let id = graph.ids[name] else {
                throw ModelError.invalidModel("graph output '\(name)' is not produced by any node, graph input or initializer")
            }
            guard seenOutputs.insert(name).inserted else { throw ModelError.invalidModel("graph output '\(name)' is declared twice") }
            if let type = info.type {
                let declaredType = try type.valueType("graph output '\(name)'")
                graph.facts[id.index] = try Graph.merge(graph.facts[id.index], declaredType, "graph output '\(name)'", adopt: true)
            }
            graph.outputs.append(id)
        }
        guard !graph.outputs.isEmpty else { throw ModelError.invalidModel("graph has no outputs") }
        self = graph
    }

    /// `node 'name' (Op)` or `node #i (Op)`.
    static func label(_ node: NodeProto, _ index: Int) -> String {
        let who = node.name.isEmpty ? "#\(index)" : "'\(node.name)'"
        let domain = OperatorRegistry.normalize(domain: node.domain)
        return "node \(who) (\(domain.isEmpty ? "" : domain + ".")\(node.opType))"
    }

    /// The model's opsets by normalized domain. Duplicate entries (skl2onnx writes some) keep
    /// the highest version; a missing `ai.onnx` import means opset 1 (IR < 3 had none).
    static func opsetTable(_ model: ModelProto) throws -> [String: Int] {
        var table: [String: Int] = [:]
        for (domain, version) in model.opsetImports {
            let d = OperatorRegistry.normalize(domain: domain)
            guard version >= 1, version <= 10_000, let v = Int(exactly: version) else {
                throw ModelError.invalidModel("opset_import for domain '\(domain)' has invalid version \(version)")
            }
            table[d] = max(table[d] ?? 0, v)
        }
        if model.opsetImports.isEmpty { table[""] = 1 }
        if let v = table[""], v > ModelKit.newestONNXOpset {
            throw ModelError.unsupported("model imports ai.onnx opset \(v), newer than the newest this runtime knows (\(ModelKit.newestONNXOpset))")
        }
        if let v = table["ai.onnx.ml"], v > ModelKit.newestMLOpset {
            throw ModelError.unsupported("model imports ai.onnx.ml opset \(v), newer than the newest this runtime knows (\(ModelKit.newestMLOpset))")
        }
        return table
    }

    /// Kahn's algorithm over node dependencies; throws naming the nodes of a cycle.
    static func topologicalOrder(_ nodes: [NodeProto], _ inputIDs: [[ValueID?]], _ producer: [Int: Int]) throws -> [Int] {
        var indegree = Array(repeating: 0, count: nodes.count)
        var dependents = Array(repeating: [Int](), count: nodes.count)
        for (n, ids) in inputIDs.enumerated() {
            for id in ids {
                guard let id, let p = producer[id.index] else { continue }
                indegree[n] += 1
                dependents[p].append(n)
            }
        }
        // Stable: ready nodes are taken lowest index first (a min-heap), so a file already in
        // topological order keeps its order.
        var ready = MinHeap()
        for n in 0..<nodes.count where indegree[n] == 0 { ready.push(n) }
        var order: [Int] = []
        order.reserveCapacity(nodes.count)
        while let n = ready.pop() {
            order.append(n)
            for d in dependents[n] {
                indegree[d] -= 1
                if indegree[d] == 0 { ready.push(d) }
            }
        }
        guard order.count == nodes.count else {
            let stuck = (0..<nodes.count).filter { indegree[$0] > 0 }.prefix(5).map { label(nodes[$0], $0) }
            throw ModelError.invalidModel("graph has a cycle through \(stuck.joined(separator: ", "))")
        }
        return order
    }

    /// Checks an inferred fact against a declared type (throws when they contradict) and, with
    /// `adopt`, fills unknown dimensions from the declaration. Intermediate `value_info` is
    /// only checked, never adopted: inference stays sound for constant folding.
    static func merge(_ inferred: ValueFact, _ declared: ValueType, _ what: String, adopt: Bool) throws -> ValueFact {
        switch (inferred.type, declared) {
        case (.tensor(let e1, let s1), .tensor(let e2, let s2)):
            guard e1 == e2 else {
                throw ModelError.invalidModel("\(what) is declared \(declared) but computes tensor(\(e1))")
            }
            guard let s1 else {
                var f = inferred
                if adopt { f.type = .tensor(elementType: e1, shape: s2) }
                return f
            }
            guard let s2 else { return inferred }
            guard s1.count == s2.count else {
                throw ModelError.invalidModel("\(what) is declared with shape \(ValueType.describe(s2)) but computes \(ValueType.describe(s1))")
            }
            var shape = s1
            for i in 0..<s1.count {
                switch (s1[i], s2[i]) {
                case (.fixed(let a), .fixed(let b)) where a != b:
                    throw ModelError.invalidModel("\(what) is declared with shape \(ValueType.describe(s2)) but computes \(ValueType.describe(s1))")
                case (.fixed, _): break
                case (_, .fixed), (.unknown, .symbolic): if adopt { shape[i] = s2[i] }
                default: break
                }
            }
            var f = inferred
            f.type = .tensor(elementType: e1, shape: shape)
            return f
        case (.tensor, _), (_, .tensor):
            throw ModelError.invalidModel("\(what) is declared \(declared) but computes \(inferred.type)")
        default:
            return adopt ? ValueFact(type: declared) : inferred
        }
    }
}

/// A binary min-heap of node indices (for a stable topological sort).
private struct MinHeap {
    private var items: [Int] = []

    mutating func push(_ value: Int) {
        items.append(value)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[parent] > items[i] else { break }
            items.swapAt(parent, i)
            i = parent
        }
    }

    mutating func pop() -> Int? {
        guard let last = items.popLast() else { return nil }
        guard !items.isEmpty else { return last }
        let top = items[0]
        items[0] = last
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var smallest = i
            if l < items.count && items[l] < items[smallest] { smallest = l }
            if r < items.count && items[r] < items[smallest] { smallest = r }
            guard smallest != i else { break }
            items.swapAt(i, smallest)
            i = smallest
        }
        return top
    }
}
