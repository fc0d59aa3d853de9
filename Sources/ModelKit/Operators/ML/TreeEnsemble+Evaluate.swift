extension TreeEnsemble {
    /// Raw per-row scores before base values and transforms, in the accumulation type `T`.
    struct Scores<T: TreeFloat> {
        /// `rows x width` values (width 1 for the single-target path, else the target count).
        var values: [T]
        /// Whether each value received at least one leaf weight (`nil` on the single-target path,
        /// where every tree contributes to the one target).
        var has: [Bool]?
        let width: Int
    }
}

extension TreeEnsemble.Layout {
    /// Rows evaluated together, tree by tree, so a tree stays in cache across them (onnxruntime
    /// batches 128 rows the same way in `TreeEnsembleCommon::ComputeAgg`).
    static var blockRows: Int { 1024 }

    /// Evaluates every tree on every row of the row-major `x` (`rows x columns`, columns >
    /// `maxFeature` checked by the caller) and aggregates leaf weights per row.
    ///
    /// With one target, each tree adds its leaf's single value in tree order (onnxruntime's
    /// `ProcessTreeNodePrediction1`); otherwise every (target, weight) pair of the leaf is
    /// applied in order and the targets that received one are flagged.
    func evaluate(_ x: UnsafePointer<T>, rows: Int, columns: Int, aggregate: TreeEnsemble.Aggregate) -> TreeEnsemble.Scores<T> {
        switch (uniformMode, anyMissing) {
        case (.leq?, false): return evaluate(SplitLEQ.self, x, rows, columns, aggregate)
        case (.lt?, false): return evaluate(SplitLT.self, x, rows, columns, aggregate)
        case (.leq?, true): return evaluate(SplitLEQMissing.self, x, rows, columns, aggregate)
        case (.lt?, true): return evaluate(SplitLTMissing.self, x, rows, columns, aggregate)
        default: return evaluate(SplitAny.self, x, rows, columns, aggregate)
        }
    }

    private func evaluate<S: SplitTest>(_ test: S.Type, _ x: UnsafePointer<T>, _ rows: Int, _ columns: Int,
                                        _ aggregate: TreeEnsemble.Aggregate) -> TreeEnsemble.Scores<T> {
        let single = targetCount == 1
        let width = single ? 1 : targetCount
        var values = [T](repeating: 0, count: rows * width)
        var has = [Bool](repeating: false, count: single ? 0 : rows * width)
        let trees = treeCount
        nodes.withUnsafeBufferPointer { nodeBuffer in
            guard let np = nodeBuffer.baseAddress, trees > 0 else { return }
            values.withUnsafeMutableBufferPointer { out in
                has.withUnsafeMutableBufferPointer { flags in
                    if rows == 1 {
                        // On the stack when small (the one-row path runs per request).
                        withUnsafeTemporaryAllocation(of: Int32.self, capacity: trees) { lb in
                            lb.initialize(repeating: 0)
                            descendRow(test, np, x, lb)
                            for t in 0..<trees {
                                accumulate(np, lb.baseAddress.map { UnsafePointer($0 + t) }, count: 1, tree: t, row0: 0,
                                           single: single, aggregate, out, flags)
                            }
                        }
                        return
                    }
                    var leaves = [Int32](repeating: 0, count: Self.blockRows)
                    leaves.withUnsafeMutableBufferPointer { lb in
                        guard let leafBase = lb.baseAddress else { return }
                        var r0 = 0
                        while r0 < rows {
                            let n = min(Self.blockRows, rows - r0)
                            for t in 0..<trees {
                                descendBlock(test, np, roots[t], depths[t], x + r0 * columns, columns, n, leafBase)
                                accumulate(np, UnsafePointer(leafBase), count: n, tree: t, row0: r0,
                                           single: single, aggregate, out, flags)
                            }
                            r0 += n
                        }
                    }
                }
            }
        }
        return TreeEnsemble.Scores(values: values, has: single ? nil : has, width: width)
    }

    /// One descent step from node `i` for the row at `x`.
    @inline(__always)
    private func step<S: SplitTest>(_: S.Type, _ np: UnsafePointer<TreeEnsemble.Node<T>>, _ i: Int32, _ x: UnsafePointer<T>) -> Int32 {
        let node = np[Int(i)]
        return S.goesTrue(x[Int(node.packed & TreeEnsemble.featureMask)], node) ? node.trueChild : node.falseChild
    }

    /// The leaf of one tree for `count` rows, eight (then four) rows in lockstep: their descents are
    /// independent chains of loads, so the memory latency of one overlaps the others.
    @inline(__always)
    private func descendBlock<S: SplitTest>(_ test: S.Type, _ np: UnsafePointer<TreeEnsemble.Node<T>>, _ root: Int32, _ depth: Int32,
                                            _ x: UnsafePointer<T>, _ columns: Int, _ count: Int, _ leaves: UnsafeMutablePointer<Int32>) {
        var r = 0
        while r + 8 <= count {
            let x0 = x + r * columns, x1 = x0 + columns, x2 = x1 + columns, x3 = x2 + columns
            let x4 = x3 + columns, x5 = x4 + columns, x6 = x5 + columns, x7 = x6 + columns
            var a = root, b = root, c = root, d = root, e = root, f = root, g = root, h = root
            var k: Int32 = 0
            while k < depth {
                a = step(test, np, a, x0)
                b = step(test, np, b, x1)
                c = step(test, np, c, x2)
                d = step(test, np, d, x3)
                e = step(test, np, e, x4)
                f = step(test, np, f, x5)
                g = step(test, np, g, x6)
                h = step(test, np, h, x7)
                k += 1
            }
            leaves[r] = a
            leaves[r + 1] = b
            leaves[r + 2] = c
            leaves[r + 3] = d
            leaves[r + 4] = e
            leaves[r + 5] = f
            leaves[r + 6] = g
            leaves[r + 7] = h
            r += 8
        }
        while r + 4 <= count {
            let x0 = x + r * columns, x1 = x0 + columns, x2 = x1 + columns, x3 = x2 + columns
            var a = root, b = root, c = root, d = root
            var k: Int32 = 0
            while k < depth {
                a = step(test, np, a, x0)
                b = step(test, np, b, x1)
                c = step(test, np, c, x2)
                d = step(test, np, d, x3)
                k += 1
            }
            leaves[r] = a
            leaves[r + 1] = b
            leaves[r + 2] = c
            leaves[r + 3] = d
            r += 4
        }
        while r < count {
            let xr = x + r * columns
            var a = root
            var k: Int32 = 0
            while k < depth {
                a = step(test, np, a, xr)
                k += 1
            }
            leaves[r] = a
            r += 1
        }
    }

    /// The leaf of every tree for one row. Trees go in blocks of `rowBlockTrees`, level by
    /// level: each level advances every tree of the block by one step, so the block's descents
    /// are independent loads the processor overlaps (a block runs as many levels as its deepest
    /// tree; leaves loop to themselves).
    private func descendRow<S: SplitTest>(_ test: S.Type, _ np: UnsafePointer<TreeEnsemble.Node<T>>, _ x: UnsafePointer<T>,
                                          _ leaves: UnsafeMutableBufferPointer<Int32>) {
        let trees = roots.count
        guard let lb = leaves.baseAddress else { return }
        roots.withUnsafeBufferPointer { rootBuffer in
            depths.withUnsafeBufferPointer { depthBuffer in
                var t0 = 0
                while t0 < trees {
                    let t1 = min(trees, t0 + Self.rowBlockTrees)
                    var depth: Int32 = 0
                    for t in t0..<t1 {
                        lb[t] = rootBuffer[t]
                        depth = max(depth, depthBuffer[t])
                    }
                    var k: Int32 = 0
                    while k < depth {
                        var t = t0
                        while t < t1 {
                            lb[t] = step(test, np, lb[t], x)
                            t += 1
                        }
                        k += 1
                    }
                    t0 = t1
                }
            }
        }
    }

    /// Trees descended together on the one-row path.
    static var rowBlockTrees: Int { 64 }

    /// Adds the leaves of tree `tree` for rows `row0 ..< row0 + count` to the scores.
    @inline(__always)
    private func accumulate(_ np: UnsafePointer<TreeEnsemble.Node<T>>, _ leaves: UnsafePointer<Int32>?, count: Int, tree: Int, row0: Int,
                            single: Bool, _ aggregate: TreeEnsemble.Aggregate,
                            _ out: UnsafeMutableBufferPointer<T>, _ flags: UnsafeMutableBufferPointer<Bool>) {
        guard let leaves else { return }
        if single {
            switch aggregate {
            case .sum, .average:
                for r in 0..<count { out[row0 + r] += np[Int(leaves[r])].threshold }
            case .min:
                for r in 0..<count {
                    let v = np[Int(leaves[r])].threshold
                    if tree == 0 || v < out[row0 + r] { out[row0 + r] = v }
                }
            case .max:
                for r in 0..<count {
                    let v = np[Int(leaves[r])].threshold
                    if tree == 0 || v > out[row0 + r] { out[row0 + r] = v }
                }
            }
            return
        }
        let width = targetCount
        for r in 0..<count {
            let leaf = Int(leaves[r])
            let start = Int(weightStart[leaf]), end = start + Int(weightCount[leaf])
            let base = (row0 + r) * width
            for k in start..<end {
                let slot = base + Int(weightTargets[k])
                let v = weightValues[k]
                switch aggregate {
                case .sum, .average: out[slot] += v
                case .min: if !flags[slot] || v < out[slot] { out[slot] = v }
                case .max: if !flags[slot] || v > out[slot] { out[slot] = v }
                }
                flags[slot] = true
            }
        }
    }
}
