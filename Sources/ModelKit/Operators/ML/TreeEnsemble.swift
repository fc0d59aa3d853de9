/// A validated tree ensemble in one form for `TreeEnsembleRegressor`, `TreeEnsembleClassifier`
/// (ml opsets 1 and 3) and `TreeEnsemble` (ml opset 5).
///
/// Nodes are stored by index (structure of arrays); a node is a leaf or a binary split whose
/// children are node indices. Leaves carry a list of (target, weight) pairs in the order
/// onnxruntime applies them (`TreeEnsembleCommon::Init` sorts weights by tree id, node id
/// and position). Building checks everything a hostile file could get wrong: array lengths,
/// ids that do not resolve, self-references and cycles, target ids out of range, feature ids
/// out of range; `TreeEnsemble.Layout` then compiles the trees reachable from the roots into
/// a flat array for evaluation.
struct TreeEnsemble: Sendable {
    /// The comparison of a split node: `x <mode> threshold` takes the true branch.
    enum Mode: UInt8, Sendable {
        case leq = 0, lt, gte, gt, eq, neq

        /// The mode for a v1/v3 `nodes_modes` string; `nil` for `LEAF`.
        static func parse(_ name: String) throws -> Mode? {
            switch name {
            case "BRANCH_LEQ": return .leq
            case "BRANCH_LT": return .lt
            case "BRANCH_GTE": return .gte
            case "BRANCH_GT": return .gt
            case "BRANCH_EQ": return .eq
            case "BRANCH_NEQ": return .neq
            case "LEAF": return nil
            default: throw ModelError.invalidModel("nodes_modes has '\(name)'; expected BRANCH_LEQ, BRANCH_LT, BRANCH_GTE, BRANCH_GT, BRANCH_EQ, BRANCH_NEQ or LEAF")
            }
        }
    }

    /// How leaf values of one target are combined across trees.
    enum Aggregate: Sendable {
        case sum, average, min, max

        init(name: String) throws {
            switch name {
            case "SUM": self = .sum
            case "AVERAGE": self = .average
            case "MIN": self = .min
            case "MAX": self = .max
            default: throw ModelError.invalidModel("attribute 'aggregate_function' is '\(name)'; expected SUM, AVERAGE, MIN or MAX")
            }
        }
    }

    /// The mode of each node; `nil` for a leaf.
    var modes: [Mode?] = []
    /// The feature index each split reads (0 for leaves).
    var features: [Int] = []
    /// Split thresholds, widened to Double (float attributes convert exactly).
    var thresholds: [Double] = []
    var trueChild: [Int] = []
    var falseChild: [Int] = []
    /// Whether a NaN feature takes the true branch.
    var missingTrue: [Bool] = []
    /// Per node, the range of its leaf weights in `weightTargets` / `weightValues`.
    var weightStart: [Int] = []
    var weightCount: [Int] = []
    var weightTargets: [Int] = []
    var weightValues: [Double] = []
    /// The root node of each tree, in evaluation (summation) order.
    var roots: [Int] = []
    /// The number of targets (regressors) or classes (classifiers).
    var targetCount = 1

    /// The number of nodes.
    var count: Int { modes.count }

    /// Appends a node and returns its index.
    @discardableResult
    mutating func addNode(mode: Mode?, feature: Int, threshold: Double, trueChild t: Int, falseChild f: Int, missingTrue m: Bool) -> Int {
        modes.append(mode)
        features.append(feature)
        thresholds.append(threshold)
        trueChild.append(t)
        falseChild.append(f)
        missingTrue.append(m)
        weightStart.append(0)
        weightCount.append(0)
        return modes.count - 1
    }

    /// The largest feature index the model accepts (features are packed in 28 bits).
    static let maxFeature = (1 << 28) - 1

    /// Checks what every builder must guarantee: children in range and no cycle reachable
    /// from a root, feature ids in [0, 2^28), target ids in [0, targetCount).
    func validate() throws {
        let n = count
        for i in 0..<n where modes[i] != nil {
            guard trueChild[i] >= 0, trueChild[i] < n, falseChild[i] >= 0, falseChild[i] < n else {
                throw ModelError.invalidModel("tree node \(i) has a child out of range")
            }
            guard features[i] >= 0, features[i] <= TreeEnsemble.maxFeature else {
                throw ModelError.invalidModel("tree node \(i) reads feature \(features[i]), outside [0, \(TreeEnsemble.maxFeature)]")
            }
        }
        for (k, target) in weightTargets.enumerated() {
            guard target >= 0, target < targetCount else {
                throw ModelError.invalidModel("leaf weight \(k) has target/class id \(target), outside [0, \(targetCount))")
            }
        }
        for root in roots {
            guard root >= 0, root < n else { throw ModelError.invalidModel("tree root \(root) is out of range") }
        }
        // Iterative depth-first search with colours: grey = on the current path (a cycle if seen
        // again), black = finished. Shared subtrees (a DAG) are allowed; cycles are not.
        var colour = [UInt8](repeating: 0, count: n)
        var stack: [(node: Int, next: UInt8)] = []
        for root in roots where colour[root] == 0 {
            stack.append((root, 0))
            colour[root] = 1
            while let top = stack.last {
                let node = top.node
                guard modes[node] != nil, top.next < 2 else {
                    colour[node] = 2
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].next += 1
                let child = top.next == 0 ? trueChild[node] : falseChild[node]
                if colour[child] == 1 {
                    throw ModelError.invalidModel("tree nodes form a cycle (node \(node) leads back to node \(child))")
                }
                if colour[child] == 0 {
                    colour[child] = 1
                    stack.append((child, 0))
                }
            }
        }
    }
}

extension TreeEnsemble {
    /// Builds an ensemble from the v1/v3 attributes (`nodes_*` by tree id and node id, and the
    /// leaf weights `target_*` or `class_*`), as `TreeEnsembleRegressor` / `TreeEnsembleClassifier`.
    ///
    /// As in onnxruntime: a new tree starts wherever the tree id changes along `nodes_*` and its
    /// first node is its root; weights attached to a branch node are ignored (old onnxmltools
    /// wrote some); a weight naming a node that does not exist fails.
    init(v3 a: Attributes, weightPrefix p: String, targetCount: Int, limits: ModelLimits) throws {
        self.targetCount = targetCount
        let treeIDs = try a.ints("nodes_treeids") ?? []
        let nodeIDs = try a.ints("nodes_nodeids") ?? []
        let featureIDs = try a.ints("nodes_featureids") ?? []
        let modeNames = try a.strings("nodes_modes") ?? []
        let trueIDs = try a.ints("nodes_truenodeids") ?? []
        let falseIDs = try a.ints("nodes_falsenodeids") ?? []
        let values = try MLSupport.floatsOrTensor(a, "nodes_values") ?? []
        let missing = try a.ints("nodes_missing_value_tracks_true") ?? []
        let n = treeIDs.count
        for (name, length) in [("nodes_nodeids", nodeIDs.count), ("nodes_featureids", featureIDs.count),
                               ("nodes_modes", modeNames.count), ("nodes_truenodeids", trueIDs.count),
                               ("nodes_falsenodeids", falseIDs.count)] where length != n {
            throw ModelError.invalidModel("attribute '\(name)' has \(length) entries but nodes_treeids has \(n)")
        }
        guard values.count == n || (values.isEmpty && modeNames.allSatisfy { $0 == "LEAF" }) else {
            throw ModelError.invalidModel("attribute 'nodes_values' has \(values.count) entries but nodes_treeids has \(n)")
        }
        guard missing.isEmpty || missing.count == n else {
            throw ModelError.invalidModel("attribute 'nodes_missing_value_tracks_true' has \(missing.count) entries but nodes_treeids has \(n)")
        }
        var index: [NodeKey: Int] = [:]
        index.reserveCapacity(n)
        for i in 0..<n {
            let key = NodeKey(tree: treeIDs[i], node: nodeIDs[i])
            guard index.updateValue(i, forKey: key) == nil else {
                throw ModelError.invalidModel("tree \(treeIDs[i]) defines node \(nodeIDs[i]) twice")
            }
        }
        for i in 0..<n {
            let mode = try Mode.parse(modeNames[i])
            var t = 0, f = 0
            if mode != nil {
                for (id, which) in [(trueIDs[i], "true"), (falseIDs[i], "false")] {
                    guard let child = index[NodeKey(tree: treeIDs[i], node: id)] else {
                        throw ModelError.invalidModel("node \(nodeIDs[i]) of tree \(treeIDs[i]) has \(which) branch \(id), which is not a node of that tree")
                    }
                    guard child != i else {
                        throw ModelError.invalidModel("node \(nodeIDs[i]) of tree \(treeIDs[i]) points to itself (\(which) branch)")
                    }
                    if which == "true" { t = child } else { f = child }
                }
            }
            addNode(mode: mode, feature: mode == nil ? 0 : featureIDs[i], threshold: values.isEmpty ? 0 : values[i],
                    trueChild: t, falseChild: f, missingTrue: missing.isEmpty ? false : missing[i] != 0)
            if i == 0 || treeIDs[i] != treeIDs[i - 1] { roots.append(i) }
        }

        let wTrees = try a.ints(p + "_treeids") ?? []
        let wNodes = try a.ints(p + "_nodeids") ?? []
        let wIDs = try a.ints(p + "_ids") ?? []
        let wValues = try MLSupport.floatsOrTensor(a, p + "_weights") ?? []
        for (name, length) in [(p + "_nodeids", wNodes.count), (p + "_ids", wIDs.count), (p + "_weights", wValues.count)]
        where length != wTrees.count {
            throw ModelError.invalidModel("attribute '\(name)' has \(length) entries but \(p)_treeids has \(wTrees.count)")
        }
        var order: [(node: Int, position: Int)] = []
        order.reserveCapacity(wTrees.count)
        for k in 0..<wTrees.count {
            guard let node = index[NodeKey(tree: wTrees[k], node: wNodes[k])] else {
                throw ModelError.invalidModel("weight \(k) refers to node \(wNodes[k]) of tree \(wTrees[k]), which does not exist")
            }
            guard modes[node] == nil else { continue }
            guard wIDs[k] >= 0, wIDs[k] < targetCount else {
                throw ModelError.invalidModel("weight \(k) has \(p) id \(wIDs[k]), outside [0, \(targetCount))")
            }
            order.append((node, k))
        }
        // Grouped by leaf, in attribute order within a leaf (onnxruntime's sort by (tree, node, k)).
        order.sort { $0.node != $1.node ? $0.node < $1.node : $0.position < $1.position }
        for (node, k) in order {
            if weightCount[node] == 0 { weightStart[node] = weightTargets.count }
            weightCount[node] += 1
            weightTargets.append(wIDs[k])
            weightValues.append(wValues[k])
        }
        try validate()
    }

    /// Builds an ensemble from the `TreeEnsemble` (ml opset 5) attributes: interior nodes by
    /// position, leaves apart (`leaf_targetids`, `leaf_weights`), children flagged as leaf or
    /// node indices. `BRANCH_MEMBER` nodes become chains of `BRANCH_EQ` nodes, one per member.
    init(v5 a: Attributes, targetCount: Int, limits: ModelLimits) throws {
        self.targetCount = targetCount
        let features = try a.ints("nodes_featureids") ?? []
        let splits = try TreeEnsemble.floatTensor(a, "nodes_splits") ?? []
        guard let modeTensor = try a.tensor("nodes_modes") else {
            throw ModelError.invalidModel("attribute 'nodes_modes' is required")
        }
        guard case .uint8(let modeCodes) = modeTensor.storage else {
            throw ModelError.invalidModel("attribute 'nodes_modes' must be a uint8 tensor, got \(modeTensor.dataType)")
        }
        let trueIDs = try a.ints("nodes_truenodeids") ?? []
        let falseIDs = try a.ints("nodes_falsenodeids") ?? []
        let trueLeafs = try a.ints("nodes_trueleafs") ?? []
        let falseLeafs = try a.ints("nodes_falseleafs") ?? []
        let missing = try a.ints("nodes_missing_value_tracks_true") ?? []
        let leafTargets = try a.ints("leaf_targetids") ?? []
        let leafWeights = try TreeEnsemble.floatTensor(a, "leaf_weights") ?? []
        let treeRoots = try a.ints("tree_roots") ?? []
        let members = try TreeEnsemble.floatTensor(a, "membership_values")
        let n = features.count
        for (name, length) in [("nodes_splits", splits.count), ("nodes_modes", modeCodes.count),
                               ("nodes_truenodeids", trueIDs.count), ("nodes_falsenodeids", falseIDs.count),
                               ("nodes_trueleafs", trueLeafs.count), ("nodes_falseleafs", falseLeafs.count)] where length != n {
            throw ModelError.invalidModel("attribute '\(name)' has \(length) entries but nodes_featureids has \(n)")
        }
        guard missing.isEmpty || missing.count == n else {
            throw ModelError.invalidModel("attribute 'nodes_missing_value_tracks_true' has \(missing.count) entries but nodes_featureids has \(n)")
        }
        guard leafWeights.count == leafTargets.count else {
            throw ModelError.invalidModel("attribute 'leaf_weights' has \(leafWeights.count) entries but leaf_targetids has \(leafTargets.count)")
        }
        guard !treeRoots.isEmpty else { throw ModelError.invalidModel("attribute 'tree_roots' is required and must not be empty") }
        let leafBase = n
        func child(_ id: Int, _ isLeaf: Int, _ from: Int, _ which: String) throws -> Int {
            if isLeaf != 0 {
                guard id >= 0, id < leafTargets.count else {
                    throw ModelError.invalidModel("node \(from) has \(which) leaf \(id), outside [0, \(leafTargets.count))")
                }
                return leafBase + id
            }
            guard id >= 0, id < n else { throw ModelError.invalidModel("node \(from) has \(which) node \(id), outside [0, \(n))") }
            guard id != from else { throw ModelError.invalidModel("node \(from) points to itself (\(which) branch)") }
            return id
        }
        var memberSets: [Int: [Double]] = [:]
        var memberValues = members?[...] ?? []
        for i in 0..<n {
            let code = modeCodes[i]
            let mode: Mode
            if code == 6 {
                guard let end = memberValues.firstIndex(where: { $0.isNaN }) else {
                    throw ModelError.invalidModel("membership_values has fewer NaN-terminated sets than there are BRANCH_MEMBER nodes")
                }
                // onnxruntime refuses an empty set too (the page does not say what it would mean).
                guard end > memberValues.startIndex else {
                    throw ModelError.invalidModel("BRANCH_MEMBER node \(i) must have at least one membership value")
                }
                memberSets[i] = Array(memberValues[..<end])
                memberValues = memberValues[(end + 1)...]
                mode = .eq
            } else {
                guard let m = Mode(rawValue: code) else {
                    throw ModelError.invalidModel("nodes_modes has \(code) at node \(i); expected 0 (BRANCH_LEQ) to 6 (BRANCH_MEMBER)")
                }
                mode = m
            }
            addNode(mode: mode, feature: features[i], threshold: splits[i],
                    trueChild: try child(trueIDs[i], trueLeafs[i], i, "true"),
                    falseChild: try child(falseIDs[i], falseLeafs[i], i, "false"),
                    missingTrue: missing.isEmpty ? false : missing[i] != 0)
        }
        if members != nil, !memberValues.isEmpty {
            throw ModelError.invalidModel("membership_values has more sets than there are BRANCH_MEMBER nodes")
        }
        for j in 0..<leafTargets.count {
            let node = addNode(mode: nil, feature: 0, threshold: 0, trueChild: 0, falseChild: 0, missingTrue: false)
            weightStart[node] = weightTargets.count
            weightCount[node] = 1
            guard leafTargets[j] >= 0, leafTargets[j] < targetCount else {
                throw ModelError.invalidModel("leaf \(j) has target id \(leafTargets[j]), outside [0, \(targetCount))")
            }
            weightTargets.append(leafTargets[j])
            weightValues.append(leafWeights[j])
        }
        for root in treeRoots {
            guard root >= 0, root < n else { throw ModelError.invalidModel("tree root \(root) is outside [0, \(n))") }
            roots.append(root)
        }
        // x ∈ {a, b, c} → (x == a) ? T : (x == b) ? T : (x == c) ? T : F; a NaN x goes to T at
        // the first test when missing values track true, else falls through to F.
        for (node, set) in memberSets.sorted(by: { $0.key < $1.key }) {
            let onTrue = trueChild[node], onFalse = falseChild[node]
            guard let first = set.first else { continue }
            thresholds[node] = first
            var previous = node
            for value in set.dropFirst() {
                try MLSupport.checkCount(count + 1, "the number of tree nodes", limits)
                let next = addNode(mode: .eq, feature: features[node], threshold: value,
                                   trueChild: onTrue, falseChild: onFalse, missingTrue: false)
                falseChild[previous] = next
                previous = next
            }
        }
        try validate()
    }

    /// A float, double or float16 TENSOR attribute widened to Double, or `nil` when absent.
    static func floatTensor(_ a: Attributes, _ name: String) throws -> [Double]? {
        guard let t = try a.tensor(name) else { return nil }
        switch t.storage {
        case .float(let v): return v.map { Double($0) }
        case .double(let v): return v
        case .float16(let v): return v.map { Double(Float(Float16(bitPattern: $0))) }
        default: throw ModelError.invalidModel("attribute '\(name)' must be a float, double or float16 tensor, got \(t.dataType)")
        }
    }
}

/// A (tree id, node id) pair of the v1/v3 attributes.
private struct NodeKey: Hashable {
    let tree: Int
    let node: Int
}
