import Testing
@testable import ModelKit

/// Broken and hostile model files (`tools/modelkit/make_broken_models.py`): each named one
/// fails to load with the expected `ModelError` kind and a message naming the problem; blind
/// mutations (truncations, flipped bits) load or fail typed, never crash.
@Suite struct BrokenModelTests {
    struct Expectation: Sendable, CustomStringConvertible {
        let file: String, kind: String, substring: String
        var description: String { file }
    }

    static let directory = FixtureFiles.root + "/broken-models"
    static let expectations: [Expectation] = {
        guard let text = try? FixtureFiles.text(directory + "/EXPECTED.txt") else { return [] }
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Expectation(file: parts[0], kind: parts.count > 1 ? parts[1] : "", substring: parts.count > 2 ? parts[2] : "")
        }
    }()

    @Test func corpusIsPresent() {
        #expect(Self.expectations.count >= 130)
        #expect(Self.expectations.filter { $0.kind != "any" }.count >= 50)
    }

    @Test(arguments: expectations)
    func brokenModel(_ e: Expectation) throws {
        let bytes = try FixtureFiles.read(Self.directory + "/" + e.file)
        if e.kind == "any" {
            _ = FuzzRegressionTests.exercise(bytes, limits: .default)
            return
        }
        do {
            _ = try Session(modelBytes: bytes)
            Issue.record("\(e.file) loaded; expected \(e.kind): \(e.substring)")
        } catch let error as ModelError {
            #expect(error.kind.description == e.kind, "\(e.file): \(error)")
            #expect(error.message.contains(e.substring), "\(e.file): \(error)")
        }
    }

    /// Every prefix of a real exported model, and every single-bit flip of a small one.
    @Test func exhaustiveTruncationsAndBitFlips() throws {
        let mlp = try FixtureFiles.read(FixtureFiles.root + "/onnx-compat/skl2onnx_mlp_regressor/model.onnx")
        var failures = 0
        for cut in 0..<mlp.count where FuzzRegressionTests.exercise(Array(mlp[..<cut]), limits: .default) != nil {
            failures += 1
        }
        // A prefix can end exactly between two fields and still be a valid (smaller) model,
        // but almost every cut must fail.
        #expect(failures > mlp.count * 9 / 10)
        let small = SessionTests.denseModel()
        for i in 0..<small.count {
            for bit in 0..<8 {
                var flipped = small
                flipped[i] ^= UInt8(1 << bit)
                _ = FuzzRegressionTests.exercise(flipped, limits: .default)
            }
        }
    }

    @Test func limitsAreEnforcedBeforeAllocating() throws {
        let bytes = SessionTests.denseModel()
        func kind(_ limits: ModelLimits) -> ModelError.Kind? {
            do { _ = try Session(modelBytes: bytes, limits: limits); return nil } catch let e as ModelError { return e.kind } catch { return nil }
        }
        var l = ModelLimits.default
        l.maxModelBytes = 100
        #expect(kind(l) == .limitExceeded)
        l = .default
        l.maxNodes = 2
        #expect(kind(l) == .limitExceeded)
        l = .default
        l.maxTensorElements = 5
        #expect(kind(l) == .limitExceeded)
        l = .default
        l.maxNestingDepth = 3
        #expect(kind(l) == .malformed)
        l = .default
        l.maxRank = 1
        #expect(kind(l) == .limitExceeded)
        #expect(kind(.default) == nil)
        // Feeds are held to the same limits.
        l = .default
        l.maxTensorElements = 8
        let session = try Session(modelBytes: bytes, limits: l)
        let big = try Tensor(shape: [5, 2], elements: [Float](repeating: 1, count: 10))
        #expect(throws: ModelError.self) { try session.run(["X": big]) }
    }
}
