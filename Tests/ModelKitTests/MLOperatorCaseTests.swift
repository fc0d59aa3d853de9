import Testing
@testable import ModelKit

/// Single-operator ai.onnx.ml cases against onnxruntime 1.31 (`tools/modelkit/make_ml_operator_cases.py`):
/// random trees with every node mode, missing-value tracking, several weights per leaf, base
/// values, aggregates and transforms; the two-class special cases; linear, SVM and
/// preprocessing operators.
///
/// Tolerance: float outputs rtol 1e-5, atol 1e-6 (transcendental functions differ in the last
/// bits from onnxruntime's MLAS versions; tree sums are added in the same order and match to the
/// bit); labels, integers and strings exact; ZipMap keys exact and in order.
@Suite struct MLOperatorCaseTests {
    static let directory = FixtureFiles.root + "/ml-operators"
    static let cases: [String] = FixtureFiles.list(directory).filter { !$0.hasSuffix(".txt") }
    static let tolerance = Tolerance(rtol: 1e-5, atol: 1e-6)

    @Test func everyListedCaseIsPresent() throws {
        let listed = try FixtureFiles.text(Self.directory + "/CASES.txt").split(separator: "\n").map(String.init)
        #expect(listed.count > 100)
        #expect(listed == Self.cases)
    }

    @Test(arguments: cases)
    func operatorCase(_ name: String) throws {
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
