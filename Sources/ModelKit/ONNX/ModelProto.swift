/// The fields of ONNX `ModelProto` this runtime uses (onnx/onnx.proto, message ModelProto).
struct ModelProto {
    var irVersion: Int64 = 0
    /// `(domain, version)` pairs exactly as stored: duplicates and any order are tolerated.
    var opsetImports: [(domain: String, version: Int64)] = []
    var producerName = ""
    var producerVersion = ""
    var domain = ""
    var modelVersion: Int64 = 0
    var docString = ""
    var graph: GraphProto?
    var metadataProps: [(key: String, value: String)] = []
    var hasTrainingInfo = false
    var functionCount = 0

    /// Decodes a serialized model, checking sizes against `limits`.
    init(bytes: [UInt8], limits: ModelLimits) throws {
        guard bytes.count <= limits.maxModelBytes else {
            throw ModelError.limit("model is \(bytes.count) bytes, above the limit of \(limits.maxModelBytes)")
        }
        guard !bytes.isEmpty else { throw ModelError.malformed("model is empty (0 bytes)") }
        var reader = ProtobufReader(bytes: bytes, messageName: "ModelProto", maxDepth: limits.maxNestingDepth)
        var nodeBudget = limits.maxNodes
        while let (field, wire) = try reader.nextField() {
            switch field {
            case 1:
                try reader.expect(wire, .varint, "ir_version")
                irVersion = try reader.readInt64()
            case 8:
                try reader.expect(wire, .lengthDelimited, "opset_import")
                var sub = try reader.readMessage("OperatorSetIdProto")
                var domain = ""
                var version: Int64 = 0
                while let (f, w) = try sub.nextField() {
                    switch f {
                    case 1: try sub.expect(w, .lengthDelimited, "domain"); domain = try sub.readString()
                    case 2: try sub.expect(w, .varint, "version"); version = try sub.readInt64()
                    default: try sub.skip(w)
                    }
                }
                opsetImports.append((domain, version))
            case 2:
                try reader.expect(wire, .lengthDelimited, "producer_name")
                producerName = try reader.readString()
            case 3:
                try reader.expect(wire, .lengthDelimited, "producer_version")
                producerVersion = try reader.readString()
            case 4:
                try reader.expect(wire, .lengthDelimited, "domain")
                domain = try reader.readString()
            case 5:
                try reader.expect(wire, .varint, "model_version")
                modelVersion = try reader.readInt64()
            case 6:
                try reader.expect(wire, .lengthDelimited, "doc_string")
                docString = try reader.readString()
            case 7:
                try reader.expect(wire, .lengthDelimited, "graph")
                var sub = try reader.readMessage("GraphProto")
                graph = try GraphProto(reader: &sub, limits: limits, nodeBudget: &nodeBudget)
            case 14:
                try reader.expect(wire, .lengthDelimited, "metadata_props")
                var sub = try reader.readMessage("StringStringEntryProto")
                metadataProps.append(try ModelProto.readEntry(&sub))
            case 20:
                try reader.expect(wire, .lengthDelimited, "training_info")
                _ = try reader.readLengthDelimited()
                hasTrainingInfo = true
            case 25:
                try reader.expect(wire, .lengthDelimited, "functions")
                _ = try reader.readLengthDelimited()
                functionCount += 1
            default:
                try reader.skip(wire)
            }
        }
    }

    /// Reads a `StringStringEntryProto` (key = 1, value = 2).
    static func readEntry(_ reader: inout ProtobufReader) throws -> (key: String, value: String) {
        var key = ""
        var value = ""
        while let (f, w) = try reader.nextField() {
            switch f {
            case 1: try reader.expect(w, .lengthDelimited, "key"); key = try reader.readString()
            case 2: try reader.expect(w, .lengthDelimited, "value"); value = try reader.readString()
            default: try reader.skip(w)
            }
        }
        return (key, value)
    }
}
