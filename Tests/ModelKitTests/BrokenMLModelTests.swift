import Testing
@testable import ModelKit

/// Hostile ai.onnx.ml models (`tools/modelkit/make_broken_ml_models.py`): trees with ids out
/// of range, cycles and self-loops, mismatched attribute lengths, absurd target counts,
/// features beyond the input; SVMs whose vector counts disagree; encoders and preprocessors
/// with inconsistent attributes. Each fails with the expected `ModelError` kind and a message
/// naming the problem: at load, or (for cases with feeds) at run for that input.
@Suite struct BrokenMLModelTests {
    struct Expectation: Sendable, CustomStringConvertible {
        let file: String, kind: String, substring: String
        var description: String { file }
    }

    static let directory = FixtureFiles.root + "/broken-ml-models"
    static let expectations: [Expectation] = {
        guard let text = try? FixtureFiles.text(directory + "/EXPECTED.txt") else { return [] }
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Expectation(file: parts[0], kind: parts.count > 1 ? parts[1] : "", substring: parts.count > 2 ? parts[2] : "")
        }
    }()

    @Test func corpusIsPresent() {
        #expect(Self.expectations.count >= 70)
    }

    @Test(arguments: expectations)
    func brokenModel(_ e: Expectation) throws {
        let bytes = try FixtureFiles.read(Self.directory + "/" + e.file)
        let stem = String(e.file.dropLast(".onnx".count))
        let feedFiles = FixtureFiles.list(Self.directory).filter { $0.hasPrefix(stem + ".input_") }
        do {
            let session = try Session(modelBytes: bytes)
            guard !feedFiles.isEmpty else {
                Issue.record("\(e.file) loaded; expected \(e.kind): \(e.substring)")
                return
            }
            var feeds: [String: Tensor] = [:]
            for file in feedFiles {
                let data = try FixtureFiles.read(Self.directory + "/" + file)
                feeds[try MLFixtureCase.tensorName(data)] = try Tensor(serializedTensorProto: data)
            }
            _ = try session.run(feeds)
            Issue.record("\(e.file) ran; expected \(e.kind): \(e.substring)")
        } catch let error as ModelError {
            #expect(error.kind.description == e.kind, "\(e.file): \(error)")
            #expect(error.message.contains(e.substring), "\(e.file): \(error)")
        }
    }
}
