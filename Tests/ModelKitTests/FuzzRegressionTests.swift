import Testing
@testable import ModelKit

/// Inputs the libFuzzer target (`Fuzz/ModelLoaderFuzzer`) found crashing, kept as regressions:
/// each must load or fail with a `ModelError`, and a loaded one must run (or fail) the same
/// way the fuzzer runs it.
@Suite struct FuzzRegressionTests {
    static let directory = FixtureFiles.root + "/fuzz-regressions"
    static let limits = ModelLimits(maxModelBytes: 1 << 20, maxTensorElements: 1 << 16, maxNodes: 256, maxRank: 8, maxNestingDepth: 16)

    /// What the fuzzer does with one input; returns the error, if any.
    static func exercise(_ bytes: [UInt8], limits: ModelLimits = limits) -> ModelError? {
        do {
            let session = try Session(modelBytes: bytes, limits: limits)
            var feeds: [String: Tensor] = [:]
            for input in session.inputs {
                guard case .tensor(let type, let dims) = input.type, let dims else { return nil }
                let shape = dims.map { $0.fixedValue ?? 1 }
                guard let count = Tensor.elementCount(of: shape), count <= 1 << 12 else { return nil }
                feeds[input.name] = try Tensor(zeros: type, shape: shape)
            }
            _ = try session.run(feeds)
            return nil
        } catch let error as ModelError {
            return error
        } catch {
            Issue.record("an error that is not a ModelError: \(error)")
            return nil
        }
    }

    @Test(arguments: FixtureFiles.list(directory))
    func regression(_ name: String) throws {
        _ = Self.exercise(try FixtureFiles.read(Self.directory + "/" + name))
    }
}
