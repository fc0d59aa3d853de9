import Testing
@testable import ModelKit

/// ONNX's own node test cases (onnx 1.23.2) for the ai.onnx.ml operators, made by
/// `tools/modelkit/make_onnx_ml_node_cases.py`: every ai.onnx.ml case onnx ships is kept
/// (`Fixtures/onnx-ml-node/EXCLUDED.txt` lists none).
///
/// Tolerance: float outputs rtol 1e-5, atol 1e-6; integers and strings exact.
@Suite struct ONNXMLNodeConformanceTests {
    static let directory = FixtureFiles.root + "/onnx-ml-node"
    static let cases: [String] = FixtureFiles.list(directory).filter { !$0.hasSuffix(".txt") }

    @Test func everyListedCaseIsPresent() throws {
        let listed = try FixtureFiles.text(Self.directory + "/CASES.txt").split(separator: "\n").map(String.init)
        #expect(listed.count == 8)
        #expect(listed == Self.cases)
    }

    @Test(arguments: cases)
    func nodeCase(_ name: String) throws {
        let failures = try ONNXCase(path: Self.directory + "/" + name).run { _ in Tolerance(rtol: 1e-5, atol: 1e-6) }
        #expect(failures.isEmpty, "\(name): \(failures.joined(separator: "; "))")
    }
}
