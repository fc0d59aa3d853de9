// ModelKit's loader under libFuzzer: arbitrary bytes as an ONNX model file.
//
// Every input must either load or fail with a `ModelError`; a model that loads is run once
// on zero-filled feeds (variable dimensions set to 1) so the planned graph executes too.
// Limits are small so the fuzzer explores structure, not allocation sizes.
import ModelKit

let fuzzLimits = ModelLimits(maxModelBytes: 1 << 20, maxTensorElements: 1 << 16, maxNodes: 256, maxRank: 8, maxNestingDepth: 16)

/// One libFuzzer input.
func fuzzModelLoader(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let session = try? Session(modelBytes: bytes, limits: fuzzLimits) else { return 0 }
    var feeds: [String: Tensor] = [:]
    for input in session.inputs {
        guard case .tensor(let type, let dims) = input.type, let dims else { return 0 }
        let shape = dims.map { $0.fixedValue ?? 1 }
        guard let count = Tensor.elementCount(of: shape), count <= 1 << 12,
              let tensor = try? Tensor(zeros: type, shape: shape) else { return 0 }
        feeds[input.name] = tensor
    }
    _ = try? session.run(feeds)
    return 0
}
