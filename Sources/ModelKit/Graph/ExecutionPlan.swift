/// The order in which a graph's nodes run and when each intermediate is released.
///
/// As in tract's `SimplePlan` (core/src/plan.rs): nodes not needed for any output are
/// pruned; each step lists the slots to free after it, so an intermediate lives only until
/// its last consumer; an input whose last use is this step is moved into the operator
/// (`takes`) so the operator can reuse its buffer in place.
struct ExecutionPlan: Sendable {
    final class Step: Sendable {
        let op: any Operator
        let label: String
        /// Slot per declared input, -1 for an omitted one.
        let inputs: [Int]
        /// Whether the input at the same position is moved out of its slot (last use).
        let takes: [Bool]
        /// Slot per declared output, -1 for an unnamed one.
        let outputs: [Int]
        /// Slots released after this step.
        let frees: [Int]
        /// Whether the value at the same position of `frees` (or of a taken input) was produced
        /// by a step, so its buffer may go back to the pool.
        let recyclable: Set<Int>
        let maxInputCount: Int
        /// Whether any buffer goes back to the pool after this step.
        let recycles: Bool

        init(op: any Operator, label: String, inputs: [Int], takes: [Bool], outputs: [Int], frees: [Int],
             recyclable: Set<Int>, maxInputCount: Int) {
            self.recyclable = recyclable
            self.op = op
            self.label = label
            self.inputs = inputs
            self.takes = takes
            self.outputs = outputs
            self.frees = frees
            self.maxInputCount = maxInputCount
            self.recycles = !recyclable.isEmpty
        }
    }

    let steps: [Step]
    /// The most inputs any step reads (the run's input buffer is reserved once at this size).
    let maxInputCount: Int
    /// The slot table each run starts from: constants filled in, everything else `nil`.
    let initialSlots: [Value?]

    init(graph: Graph) {
        let graphOutputs = Set(graph.outputs.map(\.index))
        // Prune: walk back from the outputs.
        var needed = Array(repeating: false, count: graph.names.count)
        for id in graph.outputs { needed[id.index] = true }
        var keep = Array(repeating: false, count: graph.nodes.count)
        for n in stride(from: graph.nodes.count - 1, through: 0, by: -1) {
            let node = graph.nodes[n]
            guard node.outputs.contains(where: { $0.map { needed[$0.index] } ?? false }) else { continue }
            keep[n] = true
            for id in node.inputs { if let id { needed[id.index] = true } }
        }
        let nodes = graph.nodes.indices.filter { keep[$0] }.map { graph.nodes[$0] }

        // Last step that reads each value.
        var lastUse = Array(repeating: -1, count: graph.names.count)
        for (s, node) in nodes.enumerated() {
            for id in node.inputs { if let id { lastUse[id.index] = s } }
        }
        var steps: [Step] = []
        steps.reserveCapacity(nodes.count)
        // Values whose buffer was made during the run: not feeds or constants, nor forwarded from them.
        var produced = Set<Int>()
        for node in nodes {
            let forwardsExternal = node.op.forwardsInput && node.inputs.first.map { id in id.map { !produced.contains($0.index) } ?? false } ?? false
            for (slot, id) in node.outputs.enumerated() {
                guard let id, !(slot == 0 && forwardsExternal) else { continue }
                produced.insert(id.index)
            }
        }
        for (s, node) in nodes.enumerated() {
            var frees: [Int] = []
            var takes: [Bool] = []
            let slots = node.inputs.map { $0?.index ?? -1 }
            for (j, slot) in slots.enumerated() {
                let isLast = slot >= 0 && lastUse[slot] == s && !graphOutputs.contains(slot)
                // Move only at the final position that reads this slot (Add(x, x) reads it twice).
                let laterUse = slots[(j + 1)...].contains(slot)
                takes.append(isLast && !laterUse)
                if isLast && !laterUse { frees.append(slot) }
            }
            for id in node.outputs {
                guard let id else { continue }
                // Outputs no one reads (and not graph outputs) are dropped at once.
                if lastUse[id.index] == -1 && !graphOutputs.contains(id.index) { frees.append(id.index) }
            }
            steps.append(Step(op: node.op, label: node.label, inputs: slots, takes: takes,
                              outputs: node.outputs.map { $0?.index ?? -1 }, frees: frees,
                              recyclable: Set(frees.filter { produced.contains($0) }),
                              maxInputCount: slots.count))
        }
        self.steps = steps
        self.maxInputCount = steps.reduce(0) { max($0, $1.maxInputCount) }
        self.initialSlots = graph.constants.map { $0.map { Value.tensor($0) } }
    }

    /// Runs the steps over `slots` (feeds already placed) and leaves the outputs in them.
    ///
    /// The plan is shared by every thread running the session: its steps are read in place
    /// (`unowned(unsafe)`, buffer pointers) rather than retained, since a retain of a shared
    /// object is a write to a cache line the other cores keep taking back.
    func execute(_ slots: inout [Value?], limits: ModelLimits, pool: BufferPool?) throws {
        var inputs = OperatorInputs(values: [], limits: limits, pool: pool)
        inputs.values.reserveCapacity(maxInputCount)
        try withExtendedLifetime(steps) {
            try steps.withUnsafeBufferPointer { stepBuffer in
                for s in stepBuffer.indices {
                    unowned(unsafe) let step = stepBuffer[s]
                    try run(step, &slots, &inputs, pool)
                }
            }
        }
    }

    @inline(__always)
    private func run(_ step: Step, _ slots: inout [Value?], _ inputs: inout OperatorInputs, _ pool: BufferPool?) throws {
        inputs.values.removeAll(keepingCapacity: true)
        step.inputs.withUnsafeBufferPointer { stepInputs in
            step.takes.withUnsafeBufferPointer { takes in
                for j in stepInputs.indices {
                    let slot = stepInputs[j]
                    if slot < 0 {
                        inputs.values.append(nil)
                    } else if takes[j] {
                        inputs.values.append(slots[slot].take())
                    } else {
                        inputs.values.append(slots[slot])
                    }
                }
            }
        }
        var results: [Value]
        do {
            results = try step.op.run(&inputs)
        } catch let error as ModelError {
            throw ModelError(error.kind == .limitExceeded ? .limitExceeded : .runtime, "\(step.label): \(error.message)")
        }
        let outputCount = step.outputs.count
        guard results.count >= outputCount else {
            throw ModelError.runtime("\(step.label): produced \(results.count) values for \(outputCount) outputs")
        }
        if results.count > outputCount { results.removeLast(results.count - outputCount) }
        step.outputs.withUnsafeBufferPointer { outputs in
            for i in stride(from: outputs.count - 1, through: 0, by: -1) {
                let value = results.removeLast()
                if outputs[i] >= 0 { slots[outputs[i]] = value }
            }
        }
        step.frees.withUnsafeBufferPointer { frees in
            if let pool, step.recycles {
                // Inputs moved in at their last use and not consumed by the operator.
                step.inputs.withUnsafeBufferPointer { stepInputs in
                    step.takes.withUnsafeBufferPointer { takes in
                        for j in stepInputs.indices where takes[j] && step.recyclable.contains(stepInputs[j]) {
                            pool.recycle(inputs.values[j].take())
                        }
                    }
                }
                for slot in frees where step.recyclable.contains(slot) { pool.recycle(slots[slot].take()) }
            }
            for slot in frees { slots[slot] = nil }
        }
    }
}
