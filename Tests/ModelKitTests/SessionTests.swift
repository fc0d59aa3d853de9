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
