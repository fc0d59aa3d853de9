/// A value of the graph: an index into the per-run slot table.
struct ValueID: Hashable, Sendable {
    let index: Int
}

/// One node with its operator built and its inputs/outputs resolved to `ValueID`s.
struct GraphNode: Sendable {
    let name: String
    let opType: String
    let domain: String
    let opsetVersion: Int
    /// `nil` for an omitted optional input.
    let inputs: [ValueID?]
    /// `nil` for an output the model does not name (unused optional output).
    let outputs: [ValueID?]
    let op: any Operator

    /// `node 'fc1' (Gemm)`, or `node #3 (Gemm)` for an unnamed node: the prefix of every error.
    let label: String
}

/// A loaded, checked graph: values with inferred facts, constants, and nodes in topological order.
struct Graph: Sendable {
    /// The name of each value, by `ValueID.index`.
    var names: [String] = []
    /// What inference knows of each value, by `ValueID.index`.
    var facts: [ValueFact] = []
    /// The initializers and folded values, by `ValueID.index` (`nil` for computed values).
    var constants: [Tensor?] = []
    /// The graph inputs that must be fed (not backed by an initializer).
    var inputs: [ValueID] = []
    /// Graph inputs that have an initializer as default value (may be fed to override it).
    var overridableInputs: [ValueID] = []
    /// The declared graph outputs, in order.
    var outputs: [ValueID] = []
    /// Nodes still to evaluate at run time, in topological order (folded nodes removed).
    var nodes: [GraphNode] = []
    /// Each value's name -> id.
    var ids: [String: ValueID] = [:]
}
