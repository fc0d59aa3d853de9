/// A minimal protobuf encoder for building ONNX models inside tests (valid and broken ones).
struct ProtoWriter {
    var bytes: [UInt8] = []

    mutating func rawVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func tag(_ field: Int, _ wireType: Int) {
        rawVarint(UInt64(field << 3 | wireType))
    }

    mutating func varint(_ field: Int, _ value: Int64) {
        tag(field, 0)
        rawVarint(UInt64(bitPattern: value))
    }

    mutating func bytes(_ field: Int, _ value: [UInt8]) {
        tag(field, 2)
        rawVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ field: Int, _ value: String) {
        bytes(field, Array(value.utf8))
    }

    mutating func message(_ field: Int, _ value: ProtoWriter) {
        bytes(field, value.bytes)
    }

    mutating func float(_ field: Int, _ value: Float) {
        tag(field, 5)
        let bits = value.bitPattern
        for i in 0..<4 { bytes.append(UInt8((bits >> (8 * UInt32(i))) & 0xFF)) }
    }

    mutating func packedFloats(_ field: Int, _ values: [Float]) {
        var payload: [UInt8] = []
        for v in values {
            let bits = v.bitPattern
            for i in 0..<4 { payload.append(UInt8((bits >> (8 * UInt32(i))) & 0xFF)) }
        }
        bytes(field, payload)
    }

    mutating func packedInt64s(_ field: Int, _ values: [Int64]) {
        var inner = ProtoWriter()
        for v in values { inner.rawVarint(UInt64(bitPattern: v)) }
        bytes(field, inner.bytes)
    }
}

/// Builders for the ONNX messages tests need (field numbers from onnx/onnx.proto).
enum ONNX {
    enum Dim { case value(Int64), param(String), none }

    enum Attr {
        case float(Float), int(Int64), string(String), floats([Float]), ints([Int64]), tensor(ProtoWriter), graph
    }

    static func tensor(_ name: String, _ dims: [Int64], floats: [Float]) -> ProtoWriter {
        var t = ProtoWriter()
        t.packedInt64s(1, dims)
        t.varint(2, 1)
        t.string(8, name)
        t.packedFloats(4, floats)
        return t
    }

    static func tensor(_ name: String, _ dims: [Int64], int64s: [Int64]) -> ProtoWriter {
        var t = ProtoWriter()
        t.packedInt64s(1, dims)
        t.varint(2, 7)
        t.string(8, name)
        t.packedInt64s(7, int64s)
        return t
    }

    static func valueInfo(_ name: String, _ elemType: Int64, _ dims: [Dim]?) -> ProtoWriter {
        var tensorType = ProtoWriter()
        tensorType.varint(1, elemType)
        if let dims {
            var shape = ProtoWriter()
            for d in dims {
                var dim = ProtoWriter()
                switch d {
                case .value(let v): dim.varint(1, v)
                case .param(let p): dim.string(2, p)
                case .none: break
                }
                shape.message(1, dim)
            }
            tensorType.message(2, shape)
        }
        var type = ProtoWriter()
        type.message(1, tensorType)
        var info = ProtoWriter()
        info.string(1, name)
        info.message(2, type)
        return info
    }

    static func node(_ op: String, _ inputs: [String], _ outputs: [String], name: String = "", domain: String? = nil,
                     attrs: [(String, Attr)] = []) -> ProtoWriter {
        var n = ProtoWriter()
        for i in inputs { n.string(1, i) }
        for o in outputs { n.string(2, o) }
        if !name.isEmpty { n.string(3, name) }
        n.string(4, op)
        if let domain { n.string(7, domain) }
        for (attrName, value) in attrs {
            var a = ProtoWriter()
            a.string(1, attrName)
            switch value {
            case .float(let f): a.varint(20, 1); a.float(2, f)
            case .int(let i): a.varint(20, 2); a.varint(3, i)
            case .string(let s): a.varint(20, 3); a.string(4, s)
            case .tensor(let t): a.varint(20, 4); a.message(5, t)
            case .floats(let f): a.varint(20, 6); a.packedFloats(7, f)
            case .ints(let i): a.varint(20, 7); a.packedInt64s(8, i)
            case .graph: a.varint(20, 5); a.message(6, ProtoWriter())
            }
            n.message(5, a)
        }
        return n
    }

    static func model(nodes: [ProtoWriter], inputs: [ProtoWriter], outputs: [ProtoWriter],
                      initializers: [ProtoWriter] = [], valueInfo: [ProtoWriter] = [],
                      opsets: [(String, Int64)] = [("", 17)], irVersion: Int64 = 8,
                      producer: String = "monolith-tests", metadata: [(String, String)] = []) -> [UInt8] {
        var g = ProtoWriter()
        for n in nodes { g.message(1, n) }
        g.string(2, "test-graph")
        for t in initializers { g.message(5, t) }
        for i in inputs { g.message(11, i) }
        for o in outputs { g.message(12, o) }
        for v in valueInfo { g.message(13, v) }
        var m = ProtoWriter()
        m.varint(1, irVersion)
        for (domain, version) in opsets {
            var o = ProtoWriter()
            o.string(1, domain)
            o.varint(2, version)
            m.message(8, o)
        }
        m.string(2, producer)
        m.string(3, "1.0")
        m.message(7, g)
        for (k, v) in metadata {
            var e = ProtoWriter()
            e.string(1, k)
            e.string(2, v)
            m.message(14, e)
        }
        return m.bytes
    }
}
