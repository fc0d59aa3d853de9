import Testing
@testable import ModelKit

/// The defensive wire reader: limits on varints, lengths, nesting, and skipping unknowns.
@Suite struct ProtobufReaderTests {
    func reader(_ bytes: [UInt8], depth: Int = 8) -> ProtobufReader {
        ProtobufReader(bytes: bytes, messageName: "Test", maxDepth: depth)
    }

    @Test func decodesVarintsAtTheirLimits() throws {
        var r = reader([0x01, 0xAC, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        #expect(try r.readVarint() == 1)
        #expect(try r.readVarint() == 300)
        #expect(try r.readVarint() == UInt64.max)
        #expect(r.isAtEnd)
    }

    @Test func rejectsOverlongAndOverflowingVarints() {
        var long = reader(Array(repeating: 0x80, count: 10) + [0x00])
        #expect(throws: ModelError.self) { try long.readVarint() }
        var overflow = reader(Array(repeating: 0xFF, count: 9) + [0x02])
        do {
            _ = try overflow.readVarint()
            Issue.record("accepted a varint above 2^64")
        } catch let e as ModelError {
            #expect(e.kind == .malformed)
            #expect(e.message.contains("at byte 0"))
        } catch {}
        var truncated = reader([0x80])
        #expect(throws: ModelError.self) { try truncated.readVarint() }
    }

    @Test func checksLengthsAgainstWhatRemains() throws {
        var ok = reader([0x0A, 0x03, 0x61, 0x62, 0x63])
        let field = try #require(try ok.nextField())
        #expect(field.number == 1 && field.wireType == .lengthDelimited)
        #expect(try ok.readString() == "abc")
        var short = reader([0x0A, 0x05, 0x61])
        _ = try short.nextField()
        #expect(throws: ModelError.self) { try short.readString() }
    }

    @Test func capsNesting() throws {
        // Three nested messages: field 1 { field 1 { field 1 {} } }.
        let bytes: [UInt8] = [0x0A, 0x04, 0x0A, 0x02, 0x0A, 0x00]
        var r = reader(bytes, depth: 2)
        _ = try r.nextField()
        var one = try r.readMessage("A")
        _ = try one.nextField()
        var two = try one.readMessage("B")
        _ = try two.nextField()
        #expect(throws: ModelError.self) { try two.readMessage("C") }
    }

    @Test func skipsUnknownFieldsOfEveryWireType() throws {
        var bytes: [UInt8] = [0x08, 0x96, 0x01]            // 1: varint 150
        bytes += [0x11] + Array(repeating: 0, count: 8)     // 2: fixed64
        bytes += [0x1A, 0x02, 0x01, 0x02]                   // 3: bytes
        bytes += [0x23, 0x08, 0x01, 0x24]                   // 4: group { 1: varint 1 }
        bytes += [0x2D, 0, 0, 0, 0]                         // 5: fixed32
        var r = reader(bytes)
        var count = 0
        while let (_, wire) = try r.nextField() {
            try r.skip(wire)
            count += 1
        }
        #expect(count == 5)
    }

    @Test func readsPackedAndUnpackedRepeatedFields() throws {
        // Field 1 packed [1, 2, 300], then field 1 unpacked 7.
        var r = reader([0x0A, 0x04, 0x01, 0x02, 0xAC, 0x02, 0x08, 0x07])
        var values: [Int64] = []
        while let (_, wire) = try r.nextField() { try r.appendInt64s(wire, to: &values, "ints") }
        #expect(values == [1, 2, 300, 7])
        var bad = reader([0x0D, 0, 0, 0, 0])
        _ = try bad.nextField()
        #expect(throws: ModelError.self) { try bad.appendInt64s(.fixed32, to: &values, "ints") }
    }

    @Test func decodesTensorProtoFiles() throws {
        var t = ProtoWriter()
        t.packedInt64s(1, [2, 2])
        t.varint(2, 7)
        t.packedInt64s(7, [1, -2, 3, Int64.max])
        let tensor = try Tensor(serializedTensorProto: t.bytes)
        #expect(tensor.shape == [2, 2])
        #expect(tensor.elements(as: Int64.self) == [1, -2, 3, Int64.max])
        var f16 = ProtoWriter()
        f16.packedInt64s(1, [2])
        f16.varint(2, 10)
        f16.bytes(9, [0x00, 0x3C, 0x00, 0xC0])  // 1.0, -2.0 as binary16, little-endian
        let half = try Tensor(serializedTensorProto: f16.bytes)
        #expect(half.dataType == .float16)
        #expect(half.floatValues() == [1, -2])
    }
}
