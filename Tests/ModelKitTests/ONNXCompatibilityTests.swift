import Testing
@testable import ModelKit

/// Earlier-opset semantics and an exporter-made model, against onnxruntime's outputs
/// (`tools/modelkit/make_compat_cases.py`). Tolerance: float32 rtol 1e-5, atol 1e-6.
@Suite struct ONNXCompatibilityTests {
    static let directory = FixtureFiles.root + "/onnx-compat"
    static let cases: [String] = FixtureFiles.list(directory)

    @Test func casesArePresent() {
        #expect(Self.cases.count >= 40)
    }

    @Test(arguments: cases)
    func compatCase(_ name: String) throws {
        let failures = try ONNXCase(path: Self.directory + "/" + name).run { _ in Tolerance(rtol: 1e-5, atol: 1e-6) }
        #expect(failures.isEmpty, "\(name): \(failures.joined(separator: "; "))")
    }
}
