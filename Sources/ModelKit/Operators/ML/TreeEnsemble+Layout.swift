/// The floating-point types trees are compiled for: `Float` for float, float16 and integer
/// inputs, `Double` for double inputs (onnxruntime's `ThresholdType`, which is also the type
/// leaf values are accumulated in).
protocol TreeFloat: BinaryFloatingPoint, Sendable {
    init(_ value: Double)
}

extension Float: TreeFloat {}
extension Double: TreeFloat {}

extension TreeEnsemble {
    /// One compiled node: 16 bytes for `Float` (threshold, packed feature/mode/missing, two children).
    ///
    /// A leaf loops to itself on both branches and holds its single-target value in
    /// `threshold`, so a descent can run a fixed number of steps without testing for leaves.
    struct Node<T: TreeFloat>: Sendable {
        var threshold: T
        /// Bits 0-27: feature index; bits 28-30: `Mode`; bit 31: NaN goes true.
        var packed: UInt32
        var trueChild: Int32
        var falseChild: Int32
    }

    static let featureMask: UInt32 = (1 << 28) - 1
    static let missingBit: UInt32 = 1 << 31

    /// The trees reachable from the roots, laid out depth-first in one array (the false child
    /// of a split is the next node, as onnxruntime arranges them), with each tree's depth.
    struct Layout<T: TreeFloat>: Sendable {
        var nodes: [Node<T>] = []
        /// Per tree (in summation order): root index and the longest root-to-leaf path.
        var roots: [Int32] = []
        var depths: [Int32] = []
        /// Per compiled node: range of its leaf weights (leaves only).
        var weightStart: [Int32] = []
        var weightCount: [Int32] = []
        var weightTargets: [Int32] = []
        var weightValues: [T] = []
        /// The largest feature a reachable split reads, or -1.
        var maxFeature = -1
        /// The comparison all reachable splits share, if they do.
        var uniformMode: Mode?
        /// Whether any reachable split sends NaN to its true branch.
        var anyMissing = false
        let targetCount: Int

        /// Compiles `ensemble`; iterative throughout, so a deep (hostile) tree cannot overflow the stack.
        init(_ ensemble: TreeEnsemble) throws {
            targetCount = ensemble.targetCount
            var compiled = [Int32](repeating: -1, count: ensemble.count)
            var modesSeen = Set<UInt8>()
            guard ensemble.count < Int(Int32.max) else { throw ModelError.limit("tree ensemble has too many nodes") }
            for root in ensemble.roots {
                roots.append(try place(root, ensemble, &compiled, &modesSeen))
            }
            uniformMode = modesSeen.count == 1 ? modesSeen.first.flatMap { Mode(rawValue: $0) } : (modesSeen.isEmpty ? .leq : nil)
            // Depth of every compiled node, children before parents (children have larger
            // indices except for shared subtrees placed earlier, hence the explicit walk).
            var depth = [Int32](repeating: -1, count: nodes.count)
            var stack: [Int32] = []
            for root in roots {
                stack.append(root)
                while let top = stack.last {
                    let node = nodes[Int(top)]
                    let leaf = node.trueChild == top
                    if leaf { depth[Int(top)] = 0; stack.removeLast(); continue }
                    let dt = depth[Int(node.trueChild)], df = depth[Int(node.falseChild)]
                    if dt < 0 { stack.append(node.trueChild); continue }
                    if df < 0 { stack.append(node.falseChild); continue }
                    depth[Int(top)] = max(dt, df) + 1
                    stack.removeLast()
                }
                depths.append(depth[Int(root)])
            }
        }

        /// Places the subtree of raw node `root` (preorder, false child first) and returns its index.
        private mutating func place(_ root: Int, _ e: TreeEnsemble, _ compiled: inout [Int32], _ modesSeen: inout Set<UInt8>) throws -> Int32 {
            if compiled[root] >= 0 { return compiled[root] }
            // Each stack entry is a raw node whose parent slot must be patched once it is placed.
            var stack: [(raw: Int, parent: Int32, isTrue: Bool)] = [(root, -1, false)]
            var rootIndex: Int32 = -1
            while let (raw, parent, isTrue) = stack.popLast() {
                let index: Int32
                if compiled[raw] >= 0 {
                    index = compiled[raw]
                } else {
                    index = Int32(nodes.count)
                    compiled[raw] = index
                    if let mode = e.modes[raw] {
                        modesSeen.insert(mode.rawValue)
                        maxFeature = max(maxFeature, e.features[raw])
                        if e.missingTrue[raw] { anyMissing = true }
                        let packed = UInt32(e.features[raw]) | UInt32(mode.rawValue) << 28 | (e.missingTrue[raw] ? TreeEnsemble.missingBit : 0)
                        nodes.append(Node(threshold: T(e.thresholds[raw]), packed: packed, trueChild: -1, falseChild: -1))
                        weightStart.append(0)
                        weightCount.append(0)
                        // Popped last-in first-out: the false child is placed next.
                        stack.append((e.trueChild[raw], index, true))
                        stack.append((e.falseChild[raw], index, false))
                    } else {
                        let start = e.weightStart[raw], count = e.weightCount[raw]
                        // Single-target value: the leaf's first weight, or 0 (onnxruntime's `value_or_unique_weight`).
                        let value = count > 0 ? T(e.weightValues[start]) : 0
                        nodes.append(Node(threshold: value, packed: 0, trueChild: index, falseChild: index))
                        weightStart.append(Int32(weightTargets.count))
                        weightCount.append(Int32(count))
                        for k in start..<(start + count) {
                            weightTargets.append(Int32(e.weightTargets[k]))
                            weightValues.append(T(e.weightValues[k]))
                        }
                    }
                }
                if parent >= 0 {
                    if isTrue { nodes[Int(parent)].trueChild = index } else { nodes[Int(parent)].falseChild = index }
                } else {
                    rootIndex = index
                }
            }
            return rootIndex
        }

        /// The number of trees.
        var treeCount: Int { roots.count }
    }
}

/// A split comparison, specialized per mode so the descent loop has no mode switch.
protocol SplitTest {
    static func goesTrue<T: TreeFloat>(_ x: T, _ node: TreeEnsemble.Node<T>) -> Bool
}

enum SplitLEQ: SplitTest {
    @inline(__always) static func goesTrue<T: TreeFloat>(_ x: T, _ n: TreeEnsemble.Node<T>) -> Bool { x <= n.threshold }
}

enum SplitLT: SplitTest {
    @inline(__always) static func goesTrue<T: TreeFloat>(_ x: T, _ n: TreeEnsemble.Node<T>) -> Bool { x < n.threshold }
}

enum SplitLEQMissing: SplitTest {
    @inline(__always) static func goesTrue<T: TreeFloat>(_ x: T, _ n: TreeEnsemble.Node<T>) -> Bool {
        x <= n.threshold || (n.packed & TreeEnsemble.missingBit != 0 && x.isNaN)
    }
}

enum SplitLTMissing: SplitTest {
    @inline(__always) static func goesTrue<T: TreeFloat>(_ x: T, _ n: TreeEnsemble.Node<T>) -> Bool {
        x < n.threshold || (n.packed & TreeEnsemble.missingBit != 0 && x.isNaN)
    }
}

/// Any mix of modes, read from each node.
enum SplitAny: SplitTest {
    @inline(__always) static func goesTrue<T: TreeFloat>(_ x: T, _ n: TreeEnsemble.Node<T>) -> Bool {
        let r: Bool
        switch (n.packed >> 28) & 7 {
        case 0: r = x <= n.threshold
        case 1: r = x < n.threshold
        case 2: r = x >= n.threshold
        case 3: r = x > n.threshold
        case 4: r = x == n.threshold
        default: r = x != n.threshold
        }
        return r || (n.packed & TreeEnsemble.missingBit != 0 && x.isNaN)
    }
}
