import Testing
@testable import ModelKit

@Suite struct SessionTests {
    /// Y = Relu(X · W + b) with W 2x3, b 3.
    static func denseModel() -> [UInt8] {
        ONNX.model(
            nodes: [
                ONNX.node("MatMul", ["X", "W"], ["xw"], name: "mm"),
                ONNX.node("Add", ["xw", "b"], ["pre"], name: "bias"),
                ONNX.node("Relu", ["pre"], ["Y"], name: "act"),
            ],
            inputs: [ONNX.valueInfo("X", 1, [.param("N"), .value(2)])],
            outputs: [ONNX.valueInfo("Y", 1, [.param("N"), .value(3)])],
            initializers: [
                ONNX.tensor("W", [2, 3], floats: [1, 2, 3, 4, 5, 6]),
                ONNX.tensor("b", [3], floats: [-10, 0, 1]),
            ],
            metadata: [("author", "tests")])
    }

    @Test func runsADenseLayer() throws {
        let session = try Session(modelBytes: Self.denseModel())
        #expect(session.inputs.map(\.name) == ["X"])
        #expect(session.inputs[0].shape == [-1, 2])
        #expect(session.inputs[0].elementType == .float)
        #expect(session.outputs[0].shape == [-1, 3])
        #expect(session.metadata.producerName == "monolith-tests")
        #expect(session.metadata.properties.first?.value == "tests")
        let x = try Tensor(shape: [2, 2], elements: [Float(1), 1, 2, -1])
        let out = try session.run(["X": x])
        let y = try #require(out["Y"]?.tensor)
        #expect(y.shape == [2, 3])
        // Row 0: [5, 7, 9] + b = [-5, 7, 10] -> relu [0, 7, 10]; row 1: [-2, -1, 0] + b -> [0, 0, 1].
        #expect(y.elements(as: Float.self) == [0, 7, 10, 0, 0, 1])
    }

    @Test func rejectsAWrongFeed() throws {
        let session = try Session(modelBytes: Self.denseModel())
        let wrongType = try Tensor(shape: [1, 2], elements: [Double(1), 2])
        #expect(throws: ModelError.self) { try session.run(["X": wrongType]) }
        let wrongShape = try Tensor(shape: [1, 3], elements: [Float(1), 2, 3])
        do {
            _ = try session.run(["X": wrongShape])
            Issue.record("expected an error")
        } catch let error as ModelError {
            #expect(error.kind == .invalidInput)
            #expect(error.message.contains("'X'"))
            #expect(error.message.contains("[1, 3]"))
        }
    }
}

@Suite struct SessionBehaviourTests {
    /// Two outputs (Y = X + 1, Z = X * W) where W is an initializer listed as an input (IR 3
    /// style: a default a feed may override), duplicate and reordered opset imports.
    static func twoOutputModel() -> [UInt8] {
        ONNX.model(
            nodes: [
                ONNX.node("Add", ["X", "one"], ["Y"]),
                ONNX.node("Mul", ["X", "W"], ["Z"]),
            ],
            inputs: [ONNX.valueInfo("X", 1, [.param("batch"), .value(2)]), ONNX.valueInfo("W", 1, [.value(2)])],
            outputs: [ONNX.valueInfo("Y", 1, nil), ONNX.valueInfo("Z", 1, [.param("batch"), .value(2)])],
            initializers: [ONNX.tensor("one", [], floats: [1]), ONNX.tensor("W", [2], floats: [10, 100])],
            opsets: [("ai.onnx.ml", 1), ("", 13), ("", 15), ("ai.onnx.ml", 1)], irVersion: 3)
    }

    @Test func describesInputsOutputsAndMetadata() throws {
        let s = try Session(modelBytes: Self.twoOutputModel())
        #expect(s.inputs.map(\.name) == ["X"])
        #expect(s.inputs[0].dimensions == [.symbolic("batch"), .fixed(2)])
        #expect(s.inputs[0].kind == .tensor)
        #expect(s.outputs.map(\.name) == ["Y", "Z"])
        #expect(s.outputs[0].shape == [-1, 2])
        #expect(s.metadata.opsets == ["ai.onnx": 15, "ai.onnx.ml": 1])
        #expect(s.metadata.irVersion == 3)
    }

    @Test func runsSubsetsAndOverrides() throws {
        let s = try Session(modelBytes: Self.twoOutputModel())
        let x = try Tensor(shape: [1, 2], elements: [Float(1), 2])
        let all = try s.run(["X": x])
        #expect(all["Y"]?.tensor?.elements(as: Float.self) == [2, 3])
        #expect(all["Z"]?.tensor?.elements(as: Float.self) == [10, 200])
        let onlyZ = try s.run(["X": x], outputs: ["Z"])
        #expect(onlyZ.keys.sorted() == ["Z"])
        let overridden = try s.run(["X": x, "W": try Tensor(shape: [2], elements: [Float(-1), -1])], outputs: ["Z"])
        #expect(overridden["Z"]?.tensor?.elements(as: Float.self) == [-1, -2])
    }

    @Test func reportsFeedProblemsByName() throws {
        let s = try Session(modelBytes: Self.twoOutputModel())
        let x = try Tensor(shape: [1, 2], elements: [Float(1), 2])
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch let e as ModelError { return e.message } catch { return "\(error)" }
        }
        #expect(message { _ = try s.run([:]) }.contains("missing input(s): X"))
        #expect(message { _ = try s.run(["X": x, "Q": x]) }.contains("unknown input 'Q'"))
        #expect(message { _ = try s.run(["X": x], outputs: ["nope"]) }.contains("unknown output 'nope'"))
        #expect(message { _ = try s.run(["X": try Tensor(shape: [2], elements: [Float(1), 2])]) }.contains("expected tensor(float)[batch, 2]"))
    }

    @Test func runsOnPositionalInputs() throws {
        let s = try Session(modelBytes: Self.twoOutputModel())
        let x = try Tensor(shape: [1, 2], elements: [Float(1), 2])
        let values = try s.run(inputs: [x])
        #expect(s.outputs.map(\.name) == ["Y", "Z"])
        #expect(values.map { $0.tensor?.elements(as: Float.self) } == [[2, 3], [10, 200]])
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch let e as ModelError { return e.message } catch { return "\(error)" }
        }
        #expect(message { _ = try s.run(inputs: []) }.contains("expected 1 input(s) (X), got 0"))
        #expect(message { _ = try s.run(inputs: [x, x]) }.contains("got 2"))
        #expect(message { _ = try s.run(inputs: [try Tensor(shape: [2], elements: [Float(1), 2])]) }.contains("input 'X': expected tensor(float)[batch, 2]"))
    }

    @Test func runsConcurrentlyFromManyThreads() async throws {
        let session = try Session(modelBytes: SessionTests.denseModel())
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for t in 0..<8 {
                group.addTask {
                    for i in 0..<200 {
                        let v = Float(t * 1000 + i)
                        let out = try session.run(["X": try Tensor(shape: [1, 2], elements: [v, -v])])
                        // [v, -v] · W = [v - 4v, 2v - 5v, 3v - 6v] = -3v each; plus b, then relu.
                        let expected: [Float] = [max(-3 * v - 10, 0), max(-3 * v, 0), max(-3 * v + 1, 0)]
                        guard out["Y"]?.tensor?.elements(as: Float.self) == expected else { return false }
                    }
                    return true
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }

    @Test func loadsFromAFile() throws {
        let path = FixtureFiles.root + "/onnx-compat/skl2onnx_mlp_regressor/model.onnx"
        let s = try Session(contentsOfFile: path)
        #expect(s.metadata.producerName == "skl2onnx")
        #expect(throws: ModelError.self) { try Session(contentsOfFile: FixtureFiles.root + "/does-not-exist.onnx") }
        var small = ModelLimits.default
        small.maxModelBytes = 1000
        #expect(throws: ModelError.self) { try Session(contentsOfFile: path, limits: small) }
    }
}
