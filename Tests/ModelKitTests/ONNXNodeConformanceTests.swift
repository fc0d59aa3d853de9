import Testing
@testable import ModelKit

/// ONNX's own node test cases (onnx 1.23.2) for the implemented `ai.onnx` operators, made by
/// `tools/modelkit/make_onnx_node_cases.py`. Exclusions and their reasons: `Fixtures/onnx-node/EXCLUDED.txt`.
///
/// Tolerance: float32/float64 outputs rtol 1e-5, atol 1e-6 (tighter than the onnx backend's
/// default rtol 1e-3, atol 1e-7 on relative terms); float16 outputs rtol 1e-3, atol 1e-3
/// (half precision has 11 significant bits); integers, bools and strings exact.
@Suite struct ONNXNodeConformanceTests {
    static let directory = FixtureFiles.root + "/onnx-node"
    static let cases: [String] = FixtureFiles.list(directory).filter { !$0.hasSuffix(".txt") }

    static func tolerance(_ type: DataType) -> Tolerance {
        type == .float16 ? Tolerance(rtol: 1e-3, atol: 1e-3) : Tolerance(rtol: 1e-5, atol: 1e-6)
    }

    @Test func everyListedCaseIsPresent() throws {
        let listed = try FixtureFiles.text(Self.directory + "/CASES.txt").split(separator: "\n").map(String.init)
        #expect(listed.count > 300)
        #expect(listed == Self.cases)
    }

    @Test(arguments: cases)
    func nodeCase(_ name: String) throws {
        let failures = try ONNXCase(path: Self.directory + "/" + name).run(tolerance: Self.tolerance)
        #expect(failures.isEmpty, "\(name): \(failures.joined(separator: "; "))")
    }
}
