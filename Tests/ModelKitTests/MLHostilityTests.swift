import Testing
@testable import ModelKit

/// Hostile inputs to the ai.onnx.ml operators beyond the fixture corpus: trees deep enough
/// to overflow a recursive walk, random corruptions of every ML fixture model, and output
/// sizes that must hit the limits before anything is allocated.
@Suite struct MLHostilityTests {
    /// A TreeEnsemble (ml opset 5) whose one tree is a chain of `depth` splits on feature 0:
    /// split i sends x <= i to leaf i, else to split i + 1; the last split's false branch is leaf `depth`.
    static func chainModel(depth: Int) -> [UInt8] {
        var modes = ProtoWriter()
        modes.packedInt64s(1, [Int64(depth)])
        modes.varint(2, 2)  // UINT8
        modes.bytes(9, [UInt8](repeating: 0, count: depth))
        let ids = (0..<depth).map { Int64($0) }
        let attrs: [(String, ONNX.Attr)] = [
            ("nodes_featureids", .ints([Int64](repeating: 0, count: depth))),
            ("nodes_splits", .tensor(ONNX.tensor("s", [Int64(depth)], floats: ids.map { Float($0) }))),
            ("nodes_modes", .tensor(modes)),
            ("nodes_truenodeids", .ints(ids)),
            ("nodes_trueleafs", .ints([Int64](repeating: 1, count: depth))),
            ("nodes_falsenodeids", .ints(ids.map { $0 + 1 })),
            ("nodes_falseleafs", .ints((0..<depth).map { $0 == depth - 1 ? 1 : 0 })),
            ("leaf_targetids", .ints([Int64](repeating: 0, count: depth + 1))),
            ("leaf_weights", .tensor(ONNX.tensor("w", [Int64(depth + 1)], floats: (0...depth).map { Float($0) }))),
            ("tree_roots", .ints([0])),
            ("n_targets", .int(1)),
        ]
        return ONNX.model(
            nodes: [ONNX.node("TreeEnsemble", ["X"], ["Y"], name: "chain", domain: "ai.onnx.ml", attrs: attrs)],
            inputs: [ONNX.valueInfo("X", 1, [.param("N"), .value(1)])],
            outputs: [ONNX.valueInfo("Y", 1, [.param("N"), .value(1)])],
            opsets: [("", 21), ("ai.onnx.ml", 5)])
    }

    @Test func aDeepChainTreeLoadsAndRunsWithoutRecursion() throws {
        let depth = 200_000
        let session = try Session(modelBytes: Self.chainModel(depth: depth))
        let x = try Tensor(shape: [3, 1], elements: [Float(-1), 150_000.5, 1e9])
        let y = try #require(try session.run(["X": x])["Y"]?.tensor?.elements(as: Float.self))
        // -1 stops at split 0 (leaf 0); 150000.5 at split 150001; 1e9 runs off the end (leaf depth).
        #expect(y == [0, 150_001, Float(depth)])
    }

    @Test func outputsBeyondTheLimitsFailBeforeAllocating() throws {
        var limits = ModelLimits.default
        limits.maxTensorElements = 1000
        let oneHot = ONNX.model(
            nodes: [ONNX.node("OneHotEncoder", ["X"], ["Y"], domain: "ai.onnx.ml", attrs: [("cats_int64s", .ints(Array(0..<100)))])],
            inputs: [ONNX.valueInfo("X", 7, [.param("N")])],
            outputs: [ONNX.valueInfo("Y", 1, nil)],
            opsets: [("", 17), ("ai.onnx.ml", 1)])
        let session = try Session(modelBytes: oneHot, limits: limits)
        _ = try session.run(["X": try Tensor(shape: [10], elements: [Int64](repeating: 3, count: 10))])
        do {
            _ = try session.run(["X": try Tensor(shape: [11], elements: [Int64](repeating: 3, count: 11))])
            Issue.record("an output of 1100 elements passed a limit of 1000")
        } catch let error as ModelError {
            #expect(error.kind == .limitExceeded)
        }
        let wide = ONNX.model(
            nodes: [ONNX.node("TreeEnsembleRegressor", ["X"], ["Y"], domain: "ai.onnx.ml", attrs: [
                ("nodes_treeids", .ints([0])), ("nodes_nodeids", .ints([0])), ("nodes_featureids", .ints([0])),
                ("nodes_values", .floats([0])), ("nodes_truenodeids", .ints([0])), ("nodes_falsenodeids", .ints([0])),
                ("n_targets", .int(5000)),
            ])],
            inputs: [ONNX.valueInfo("X", 1, [.param("N"), .value(2)])],
            outputs: [ONNX.valueInfo("Y", 1, nil)],
            opsets: [("", 17), ("ai.onnx.ml", 3)])
        #expect(throws: ModelError.self) { _ = try Session(modelBytes: wide, limits: limits) }
    }

    /// Every ML fixture model with bytes overwritten at seeded random positions: each load
    /// and run either works or throws a `ModelError`, never traps.
    @Test func randomCorruptionsNeverCrash() throws {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        var loaded = 0, runs = 0
        for root in ["/ml-operators", "/ml-reference"] {
            let dir = FixtureFiles.root + root
            for name in FixtureFiles.list(dir) where !name.hasSuffix(".txt") {
                let path = dir + "/" + name
                let original = try FixtureFiles.read(path + "/model.onnx")
                var feeds: [String: Tensor] = [:]
                for file in FixtureFiles.list(path + "/test_data_set_0") where file.hasPrefix("input_") {
                    let data = try FixtureFiles.read(path + "/test_data_set_0/" + file)
                    // Map inputs (MapProto files) are left out: those runs fail on the missing feed.
                    if let tensor = try? Tensor(serializedTensorProto: data) {
                        feeds[try MLFixtureCase.tensorName(data)] = tensor
                    }
                }
                for _ in 0..<24 {
                    var bytes = original
                    for _ in 0..<(1 + Int(next() % 3)) {
                        bytes[Int(next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: next())
                    }
                    guard let session = try? Session(modelBytes: bytes) else { continue }
                    loaded += 1
                    if (try? session.run(feeds)) != nil { runs += 1 }
                }
            }
        }
        // Many corruptions land in weights or thresholds and still load: both paths were walked.
        #expect(loaded > 500, "\(loaded) corrupted models loaded")
        #expect(runs > 250, "\(runs) corrupted models ran")
    }
}
