import Testing
@testable import ModelKit

/// Real exports (scikit-learn via skl2onnx, XGBoost and LightGBM via onnxmltools, PyTorch via
/// torch.onnx.export) run on a few rows and compared with onnxruntime's outputs, made by
/// `tools/modelkit/make_ml_reference_models.py` (versions in `Fixtures/ml-reference/REFERENCE.txt`).
///
/// Tolerance: float32 outputs rtol 1e-5 with atol 1e-6 for values near zero; labels exact;
/// ZipMap outputs exact keys in onnxruntime's order.
@Suite struct MLReferenceModelTests {
    static let directory = FixtureFiles.root + "/ml-reference"
    static let cases: [String] = FixtureFiles.list(directory).filter { !$0.hasSuffix(".txt") }
    static let tolerance = Tolerance(rtol: 1e-5, atol: 1e-6)

    @Test func everyListedModelIsPresent() throws {
        let listed = try FixtureFiles.text(Self.directory + "/CASES.txt").split(separator: "\n").map(String.init)
        #expect(listed.count >= 40)
        #expect(listed == Self.cases)
    }

    @Test(arguments: cases)
    func referenceModel(_ name: String) throws {
        let failures = try MLFixtureCase(path: Self.directory + "/" + name).run(tolerance: Self.tolerance)
        #expect(failures.isEmpty, "\(name): \(failures.joined(separator: "; "))")
    }

    /// Each row alone gives the same outputs as within the batch (single-row tree kernels).
    @Test(arguments: cases)
    func rowByRowMatchesBatch(_ name: String) throws {
        let failures = try MLFixtureCase(path: Self.directory + "/" + name).runRowByRow(tolerance: Self.tolerance)
        #expect(failures.isEmpty, "\(name): \(failures.prefix(3).joined(separator: "; "))")
    }
}
