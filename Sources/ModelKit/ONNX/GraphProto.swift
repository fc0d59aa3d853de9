/// The fields of ONNX `GraphProto` this runtime uses.
struct GraphProto {
    var name = ""
    var nodes: [NodeProto] = []
    var initializers: [TensorProto] = []
    var inputs: [ValueInfoProto] = []
    var outputs: [ValueInfoProto] = []
    var valueInfo: [ValueInfoProto] = []
    var docString = ""
    var sparseInitializerCount = 0

    /// Decodes a graph; `nodeBudget` is decremented per node and the load fails when it runs out.
    init(reader: inout ProtobufReader, limits: ModelLimits, nodeBudget: inout Int) throws {
        while let (field, wire) = try reader.nextField() {
            switch field {
            case 1:
                try reader.expect(wire, .lengthDelimited, "node")
                guard nodeBudget > 0 else {
                    throw ModelError.limit("graph has more than \(limits.maxNodes) nodes")
                }
                nodeBudget -= 1
                var sub = try reader.readMessage("NodeProto")
                nodes.append(try NodeProto(reader: &sub, limits: limits))
            case 2:
                try reader.expect(wire, .lengthDelimited, "name")
                name = try reader.readString()
            case 5:
                try reader.expect(wire, .lengthDelimited, "initializer")
                var sub = try reader.readMessage("TensorProto")
                initializers.append(try TensorProto(reader: &sub, limits: limits))
            case 15:
                try reader.expect(wire, .lengthDelimited, "sparse_initializer")
                _ = try reader.readLengthDelimited()
                sparseInitializerCount += 1
            case 10:
                try reader.expect(wire, .lengthDelimited, "doc_string")
                docString = try reader.readString()
            case 11, 12, 13:
                try reader.expect(wire, .lengthDelimited, field == 11 ? "input" : field == 12 ? "output" : "value_info")
                var sub = try reader.readMessage("ValueInfoProto")
                let info = try ValueInfoProto(reader: &sub, limits: limits)
                if field == 11 { inputs.append(info) } else if field == 12 { outputs.append(info) } else { valueInfo.append(info) }
            default:
                try reader.skip(wire)
            }
        }
    }
}

/// The fields of ONNX `NodeProto` this runtime uses.
struct NodeProto {
    var inputs: [String] = []
    var outputs: [String] = []
    var name = ""
    var opType = ""
    var domain = ""
    var attributes: [AttributeProto] = []

    init(reader: inout ProtobufReader, limits: ModelLimits) throws {
        while let (field, wire) = try reader.nextField() {
            switch field {
            case 1:
                try reader.expect(wire, .lengthDelimited, "input")
                inputs.append(try reader.readString())
            case 2:
                try reader.expect(wire, .lengthDelimited, "output")
                outputs.append(try reader.readString())
            case 3:
                try reader.expect(wire, .lengthDelimited, "name")
                name = try reader.readString()
            case 4:
                try reader.expect(wire, .lengthDelimited, "op_type")
                opType = try reader.readString()
            case 7:
                try reader.expect(wire, .lengthDelimited, "domain")
                domain = try reader.readString()
            case 5:
                try reader.expect(wire, .lengthDelimited, "attribute")
                var sub = try reader.readMessage("AttributeProto")
                attributes.append(try AttributeProto(reader: &sub, limits: limits))
            default:
                try reader.skip(wire)
            }
        }
    }
}

/// The fields of ONNX `ValueInfoProto`: a name and a type.
struct ValueInfoProto {
    var name = ""
    var type: TypeProto?
    var docString = ""

    init(reader: inout ProtobufReader, limits: ModelLimits) throws {
        while let (field, wire) = try reader.nextField() {
            switch field {
            case 1:
                try reader.expect(wire, .lengthDelimited, "name")
                name = try reader.readString()
            case 2:
                try reader.expect(wire, .lengthDelimited, "type")
                var sub = try reader.readMessage("TypeProto")
                type = try TypeProto(reader: &sub, limits: limits)
            case 3:
                try reader.expect(wire, .lengthDelimited, "doc_string")
                docString = try reader.readString()
            default:
                try reader.skip(wire)
            }
        }
    }
}

/// ONNX `TypeProto`, reduced to what a value can be here.
indirect enum TypeProto {
    /// `tensor_type`: raw elem_type and shape (nil when absent: unknown rank).
    case tensor(elemType: Int64, shape: [Dimension]?)
    case sequence(TypeProto?)
    case map(keyType: Int64, value: TypeProto?)
    /// Optional, sparse tensor and opaque types: named so the load can say what is unsupported.
    case other(String)
    /// No `value` set.
    case empty

    init(reader: inout ProtobufReader, limits: ModelLimits) throws {
        var result = TypeProto.empty
        while let (field, wire) = try reader.nextField() {
            switch field {
            case 1:
                try reader.expect(wire, .lengthDelimited, "tensor_type")
                var sub = try reader.readMessage("TypeProto.Tensor")
                var elemType: Int64 = 0
                var shape: [Dimension]?
                while let (f, w) = try sub.nextField() {
                    switch f {
                    case 1: try sub.expect(w, .varint, "elem_type"); elemType = try sub.readInt64()
                    case 2:
                        try sub.expect(w, .lengthDelimited, "shape")
                        var shapeReader = try sub.readMessage("TensorShapeProto")
                        shape = try TypeProto.readShape(&shapeReader, limits: limits)
                    default: try sub.skip(w)
                    }
                }
                result = .tensor(elemType: elemType, shape: shape)
            case 4:
                try reader.expect(wire, .lengthDelimited, "sequence_type")
                var sub = try reader.readMessage("TypeProto.Sequence")
                var element: TypeProto?
                while let (f, w) = try sub.nextField() {
                    if f == 1 {
                        try sub.expect(w, .lengthDelimited, "elem_type")
                        var inner = try sub.readMessage("TypeProto")
                        element = try TypeProto(reader: &inner, limits: limits)
                    } else {
                        try sub.skip(w)
                    }
                }
                result = .sequence(element)
            case 5:
                try reader.expect(wire, .lengthDelimited, "map_type")
                var sub = try reader.readMessage("TypeProto.Map")
                var keyType: Int64 = 0
                var value: TypeProto?
                while let (f, w) = try sub.nextField() {
                    switch f {
                    case 1: try sub.expect(w, .varint, "key_type"); keyType = try sub.readInt64()
                    case 2:
                        try sub.expect(w, .lengthDelimited, "value_type")
                        var inner = try sub.readMessage("TypeProto")
                        value = try TypeProto(reader: &inner, limits: limits)
                    default: try sub.skip(w)
                    }
                }
                result = .map(keyType: keyType, value: value)
            case 9:
                try reader.expect(wire, .lengthDelimited, "optional_type")
                _ = try reader.readLengthDelimited()
                result = .other("optional")
            case 8:
                try reader.expect(wire, .lengthDelimited, "sparse_tensor_type")
                _ = try reader.readLengthDelimited()
                result = .other("sparse tensor")
            case 7:
                try reader.expect(wire, .lengthDelimited, "opaque_type")
                _ = try reader.readLengthDelimited()
                result = .other("opaque")
            default:
                try reader.skip(wire)
            }
        }
        self = result
    }

    /// Reads `TensorShapeProto.dim` entries: `dim_value` (1), `dim_param` (2) or neither.
    static func readShape(_ reader: inout ProtobufReader, limits: ModelLimits) throws -> [Dimension] {
        var dims: [Dimension] = []
        while let (field, wire) = try reader.nextField() {
            guard field == 1 else { try reader.skip(wire); continue }
            try reader.expect(wire, .lengthDelimited, "dim")
            guard dims.count < limits.maxRank else {
                throw ModelError.limit("a declared shape has more than \(limits.maxRank) dimensions")
            }
            var sub = try reader.readMessage("TensorShapeProto.Dimension")
            var dim = Dimension.unknown
            while let (f, w) = try sub.nextField() {
                switch f {
                case 1:
                    try sub.expect(w, .varint, "dim_value")
                    let value = try sub.readInt64()
                    // A negative dim_value is invalid; onnxruntime treats it as unknown. So do we.
                    if value >= 0, let n = Int(exactly: value) { dim = .fixed(n) } else { dim = .unknown }
                case 2:
                    try sub.expect(w, .lengthDelimited, "dim_param")
                    let name = try sub.readString()
                    dim = name.isEmpty ? .unknown : .symbolic(name)
                default:
                    try sub.skip(w)
                }
            }
            dims.append(dim)
        }
        return dims
    }

    /// The type as a `ValueType`; throws `.unsupported` / `.invalidModel` naming `what`.
    func valueType(_ what: String) throws -> ValueType {
        switch self {
        case .tensor(let raw, let shape):
            guard let type = DataType(onnx: raw), type != .undefined else {
                throw ModelError.invalidModel("\(what) has an invalid element type \(raw)")
            }
            guard type.isSupported else {
                throw ModelError.unsupported("\(what) has element type \(type), which is not supported")
            }
            return .tensor(elementType: type, shape: shape)
        case .sequence(let element):
            guard let element else { throw ModelError.invalidModel("\(what) is a sequence without an element type") }
            return .sequence(try element.valueType(what))
        case .map(let rawKey, let value):
            guard let key = DataType(onnx: rawKey), key == .int64 || key == .string || key == .int32 else {
                throw ModelError.unsupported("\(what) is a map with key type \(rawKey); only int64, int32 and string keys are supported")
            }
            guard let value else { throw ModelError.invalidModel("\(what) is a map without a value type") }
            return .map(key: key, value: try value.valueType(what))
        case .other(let kind):
            throw ModelError.unsupported("\(what) has \(kind) type, which is not supported")
        case .empty:
            throw ModelError.invalidModel("\(what) has no type")
        }
    }
}
