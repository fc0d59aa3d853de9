/// ONNX `AttributeProto`: a named, typed constant parameter of a node.
struct AttributeProto {
    /// The decoded value, by the attribute's declared (or, for old models, inferred) type.
    enum Value {
        case float(Float)
        case int(Int64)
        case string([UInt8])
        case tensor(TensorProto)
        case floats([Float])
        case ints([Int64])
        case strings([[UInt8]])
        case tensors([TensorProto])
        /// Graphs, sparse tensors and type protos: kept by name so the load can reject them clearly.
        case unsupported(String)

        /// The ONNX name of the attribute type, for error messages.
        var typeName: String {
            switch self {
            case .float: return "FLOAT"
            case .int: return "INT"
            case .string: return "STRING"
            case .tensor: return "TENSOR"
            case .floats: return "FLOATS"
            case .ints: return "INTS"
            case .strings: return "STRINGS"
            case .tensors: return "TENSORS"
            case .unsupported(let kind): return kind
            }
        }
    }

    var name = ""
    var value: Value = .unsupported("UNDEFINED")
    /// Set when the attribute refers to an attribute of an enclosing function.
    var refAttrName = ""

    init(reader: inout ProtobufReader, limits: ModelLimits) throws {
        var declaredType: Int64 = 0
        var f: Float?
        var i: Int64?
        var s: [UInt8]?
        var t: TensorProto?
        var floats: [Float] = []
        var ints: [Int64] = []
        var strings: [[UInt8]] = []
        var tensors: [TensorProto] = []
        var graphKind: String?
        while let (field, wire) = try reader.nextField() {
            switch field {
            case 1: try reader.expect(wire, .lengthDelimited, "name"); name = try reader.readString()
            case 21: try reader.expect(wire, .lengthDelimited, "ref_attr_name"); refAttrName = try reader.readString()
            case 20: try reader.expect(wire, .varint, "type"); declaredType = try reader.readInt64()
            case 2: try reader.expect(wire, .fixed32, "f"); f = try reader.readFloat()
            case 3: try reader.expect(wire, .varint, "i"); i = try reader.readInt64()
            case 4: try reader.expect(wire, .lengthDelimited, "s"); s = try reader.readBytes()
            case 5:
                try reader.expect(wire, .lengthDelimited, "t")
                var sub = try reader.readMessage("TensorProto")
                t = try TensorProto(reader: &sub, limits: limits)
            case 7: try reader.appendFloats(wire, to: &floats, "floats")
            case 8: try reader.appendInt64s(wire, to: &ints, "ints")
            case 9: try reader.expect(wire, .lengthDelimited, "strings"); strings.append(try reader.readBytes())
            case 10:
                try reader.expect(wire, .lengthDelimited, "tensors")
                var sub = try reader.readMessage("TensorProto")
                tensors.append(try TensorProto(reader: &sub, limits: limits))
            case 6, 11:
                try reader.expect(wire, .lengthDelimited, field == 6 ? "g" : "graphs")
                _ = try reader.readLengthDelimited()
                graphKind = field == 6 ? "GRAPH" : "GRAPHS"
            case 22, 23:
                try reader.expect(wire, .lengthDelimited, "sparse_tensor")
                _ = try reader.readLengthDelimited()
                graphKind = field == 22 ? "SPARSE_TENSOR" : "SPARSE_TENSORS"
            case 14, 15:
                try reader.expect(wire, .lengthDelimited, "tp")
                _ = try reader.readLengthDelimited()
                graphKind = field == 14 ? "TYPE_PROTO" : "TYPE_PROTOS"
            default:
                try reader.skip(wire)
            }
        }
        // AttributeType values (onnx.proto): FLOAT 1, INT 2, STRING 3, TENSOR 4, GRAPH 5, FLOATS 6,
        // INTS 7, STRINGS 8, TENSORS 9, GRAPHS 10, SPARSE_TENSOR 11, SPARSE_TENSORS 12,
        // TYPE_PROTO 13, TYPE_PROTOS 14. Models older than IR v2 may omit `type`: infer it.
        switch declaredType {
        case 1: value = .float(f ?? 0)
        case 2: value = .int(i ?? 0)
        case 3: value = .string(s ?? [])
        case 4:
            guard let t else { throw ModelError.malformed("attribute '\(name)' is declared TENSOR but has no tensor") }
            value = .tensor(t)
        case 6: value = .floats(floats)
        case 7: value = .ints(ints)
        case 8: value = .strings(strings)
        case 9: value = .tensors(tensors)
        case 5: value = .unsupported("GRAPH")
        case 10: value = .unsupported("GRAPHS")
        case 11: value = .unsupported("SPARSE_TENSOR")
        case 12: value = .unsupported("SPARSE_TENSORS")
        case 13: value = .unsupported("TYPE_PROTO")
        case 14: value = .unsupported("TYPE_PROTOS")
        case 0:
            if let graphKind { value = .unsupported(graphKind) }
            else if let f { value = .float(f) }
            else if let i { value = .int(i) }
            else if let s { value = .string(s) }
            else if let t { value = .tensor(t) }
            else if !floats.isEmpty { value = .floats(floats) }
            else if !ints.isEmpty { value = .ints(ints) }
            else if !strings.isEmpty { value = .strings(strings) }
            else if !tensors.isEmpty { value = .tensors(tensors) }
            else { throw ModelError.malformed("attribute '\(name)' has no type and no value") }
        default:
            throw ModelError.malformed("attribute '\(name)' has an invalid type \(declaredType)")
        }
    }
}
