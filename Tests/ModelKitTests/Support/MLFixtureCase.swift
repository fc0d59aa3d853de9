@testable import ModelKit

/// One fixture case of the ai.onnx.ml scripts (`tools/modelkit/mlcases.py`): `model.onnx` and
/// `test_data_set_0/input_<i>.pb` (TensorProto named after the graph input) and
/// `output_<i>.pb` (TensorProto, or an ONNX SequenceProto of MapProto for seq(map) outputs),
/// the outputs computed by onnxruntime.
struct MLFixtureCase {
    let path: String

    /// Runs the case; returns failure messages (empty when every output matches).
    func run(tolerance: Tolerance) throws -> [String] {
        let session = try Session(modelBytes: try FixtureFiles.read(path + "/model.onnx"))
        let dir = path + "/test_data_set_0"
        let files = FixtureFiles.list(dir)
        var feeds: [String: Value] = [:]
        for (i, file) in files.filter({ $0.hasPrefix("input_") }).sorted(by: ONNXCase.numbered).enumerated() {
            let bytes = try FixtureFiles.read(dir + "/" + file)
            if i < session.inputs.count, case .map = session.inputs[i].type {
                var reader = ProtobufReader(bytes: bytes, messageName: "MapProto", maxDepth: 16)
                feeds[session.inputs[i].name] = .map(try MLFixtureCase.decodeMap(&reader))
            } else {
                feeds[try MLFixtureCase.tensorName(bytes)] = .tensor(try Tensor(serializedTensorProto: bytes))
            }
        }
        let results = try session.run(values: feeds)
        var failures: [String] = []
        for (i, file) in files.filter({ $0.hasPrefix("output_") }).sorted(by: ONNXCase.numbered).enumerated() {
            guard i < session.outputs.count else { failures.append("more expected outputs than the model has"); break }
            let output = session.outputs[i]
            guard let actual = results[output.name] else { failures.append("output '\(output.name)' missing"); continue }
            let bytes = try FixtureFiles.read(dir + "/" + file)
            if case .sequence = output.type {
                let expected = try MLFixtureCase.decodeSequence(bytes)
                if let problem = MLFixtureCase.compareMaps(actual, expected, tolerance) {
                    failures.append("output '\(output.name)': \(problem)")
                }
            } else {
                let expected = try Tensor(serializedTensorProto: bytes)
                guard let tensor = actual.tensor else { failures.append("output '\(output.name)' is not a tensor"); continue }
                if let problem = tolerance.mismatch(tensor, expected) {
                    failures.append("output '\(output.name)': \(problem)")
                }
            }
        }
        return failures
    }

    /// Runs every row of the case's inputs on its own (batch 1) and compares each output with
    /// the same row of the whole-batch run: the single-row code paths (trees evaluated several
    /// at a time for one row) must agree with the batched ones. Returns failure messages.
    func runRowByRow(tolerance: Tolerance) throws -> [String] {
        let session = try Session(modelBytes: try FixtureFiles.read(path + "/model.onnx"))
        guard session.inputs.allSatisfy({ $0.kind == .tensor }) else { return [] }
        let dir = path + "/test_data_set_0"
        var feeds: [String: Tensor] = [:]
        for file in FixtureFiles.list(dir) where file.hasPrefix("input_") {
            let bytes = try FixtureFiles.read(dir + "/" + file)
            feeds[try MLFixtureCase.tensorName(bytes)] = try Tensor(serializedTensorProto: bytes)
        }
        guard let rows = feeds.values.first?.shape.first, feeds.values.allSatisfy({ $0.rank == 2 && $0.shape[0] == rows }) else {
            return []
        }
        let whole = try session.run(feeds)
        var failures: [String] = []
        for r in 0..<rows {
            let single = try session.run(feeds.mapValues { MLFixtureCase.row($0, r) })
            for output in session.outputs {
                guard let all = whole[output.name], let one = single[output.name] else { continue }
                switch (all, one) {
                case (.tensor(let a), .tensor(let o)):
                    if let problem = tolerance.mismatch(o, MLFixtureCase.row(a, r)) { failures.append("row \(r) '\(output.name)': \(problem)") }
                case (.sequence(let a), .sequence(let o)):
                    if let map = a[r].map, let problem = MLFixtureCase.compareMaps(.sequence(o), [map], tolerance) {
                        failures.append("row \(r) '\(output.name)': \(problem)")
                    }
                default:
                    failures.append("row \(r) '\(output.name)': kinds differ")
                }
            }
        }
        return failures
    }

    /// Row `r` of a tensor whose first axis is the batch, as a batch of one.
    static func row(_ t: Tensor, _ r: Int) -> Tensor {
        let width = t.shape.dropFirst().reduce(1, *)
        return Tensor(unchecked: [1] + t.shape.dropFirst(), t.storage.gathering(Array((r * width)..<((r + 1) * width))))
    }

    /// The `name` field (1) of a serialized TensorProto.
    static func tensorName(_ bytes: [UInt8]) throws -> String {
        var reader = ProtobufReader(bytes: bytes, messageName: "TensorProto", maxDepth: 8)
        while let (field, wire) = try reader.nextField() {
            if field == 8 { return try reader.readString() }
            try reader.skip(wire)
        }
        return ""
    }

    /// A SequenceProto of MapProto (int64 or string keys to float values) as maps.
    static func decodeSequence(_ bytes: [UInt8]) throws -> [MapValue] {
        var reader = ProtobufReader(bytes: bytes, messageName: "SequenceProto", maxDepth: 16)
        var maps: [MapValue] = []
        while let (field, wire) = try reader.nextField() {
            guard field == 6 else { try reader.skip(wire); continue }  // map_values
            var map = try reader.readMessage("MapProto")
            maps.append(try decodeMap(&map))
        }
        return maps
    }

    /// A MapProto whose values are a SequenceProto of tensors (one 1-D tensor, or one scalar
    /// per key as onnx's `numpy_helper.from_dict` writes), concatenated in order.
    static func decodeMap(_ map: inout ProtobufReader) throws -> MapValue {
        var intKeys: [Int64] = []
        var stringKeys: [String] = []
        var parts: [Tensor] = []
        while let (f, w) = try map.nextField() {
            switch f {
            case 3: try map.appendInt64s(w, to: &intKeys, "keys")
            case 4: stringKeys.append(try map.readString())
            case 5:
                var seq = try map.readMessage("SequenceProto")
                while let (sf, sw) = try seq.nextField() {
                    guard sf == 3 else { try seq.skip(sw); continue }  // tensor_values
                    let range = try seq.readLengthDelimited()
                    parts.append(try Tensor(serializedTensorProto: Array(seq.bytes[range])))
                }
            default: try map.skip(w)
            }
        }
        guard var storage = parts.first?.storage else { throw ModelError.malformed("map without values") }
        for part in parts.dropFirst() { storage = try storage.appending(part.storage) }
        let keys: MapValue.Keys = stringKeys.isEmpty ? .int64(intKeys) : .string(stringKeys)
        return try MapValue(keys: keys, values: Tensor(shape: [storage.count], storage: storage))
    }

    /// `nil` when `actual` is a sequence of maps with exactly the expected keys (in order) and
    /// values within tolerance.
    static func compareMaps(_ actual: Value, _ expected: [MapValue], _ tolerance: Tolerance) -> String? {
        guard let seq = actual.sequence else { return "not a sequence" }
        guard seq.count == expected.count else { return "\(seq.count) maps, expected \(expected.count)" }
        for (i, (a, e)) in zip(seq, expected).enumerated() {
            guard let map = a.map else { return "element \(i) is not a map" }
            guard map.keys == e.keys else { return "map \(i): keys \(map.keys) != expected \(e.keys)" }
            if let problem = tolerance.mismatch(map.values, e.values) { return "map \(i): \(problem)" }
        }
        return nil
    }
}
