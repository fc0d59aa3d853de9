/// A defensive reader of the protobuf binary wire format over a byte array.
///
/// Follows swift-protobuf's `BinaryDecoder`: a varint longer than 10 bytes or one whose
/// value does not fit in 64 bits is malformed; every length is checked against the bytes
/// that remain in the enclosing message before it is used; nesting depth is capped; unknown
/// fields are skipped by wire type. Every failure is a `ModelError` of kind `.malformed`
/// naming the message, the field and the byte offset.
/// See https://protobuf.dev/programming-guides/encoding/ for the format.
struct ProtobufReader {
    /// The six wire types of the encoding (groups are deprecated but must be skippable).
    enum WireType: UInt8, CustomStringConvertible {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, startGroup = 3, endGroup = 4, fixed32 = 5

        var description: String {
            switch self {
            case .varint: return "varint"
            case .fixed64: return "fixed64"
            case .lengthDelimited: return "length-delimited"
            case .startGroup: return "start-group"
            case .endGroup: return "end-group"
            case .fixed32: return "fixed32"
            }
        }
    }

    /// The whole input; sub-readers share it (no copies).
    let bytes: [UInt8]
    /// The next byte to read.
    private(set) var offset: Int
    /// One past the last byte of the current message.
    let end: Int
    /// How many messages enclose this one.
    let depth: Int
    /// The cap on `depth`.
    let maxDepth: Int
    /// The protobuf message being read, for error messages (e.g. `"NodeProto"`).
    let messageName: String
    /// The field number of the last tag read, for error messages.
    private(set) var field: UInt32 = 0

    /// A reader over all of `bytes`, as the top-level message `messageName`.
    init(bytes: [UInt8], messageName: String, maxDepth: Int) {
        self.bytes = bytes
        self.offset = 0
        self.end = bytes.count
        self.depth = 0
        self.maxDepth = maxDepth
        self.messageName = messageName
    }

    private init(bytes: [UInt8], range: Range<Int>, depth: Int, maxDepth: Int, messageName: String) {
        self.bytes = bytes
        self.offset = range.lowerBound
        self.end = range.upperBound
        self.depth = depth
        self.maxDepth = maxDepth
        self.messageName = messageName
    }

    /// Whether all bytes of the message were consumed.
    var isAtEnd: Bool { offset >= end }

    /// A malformed-input error naming this message, the current field and `at`.
    func error(_ what: String, at position: Int? = nil) -> ModelError {
        let fieldPart = field == 0 ? "" : " field \(field)"
        return .malformed("\(messageName)\(fieldPart) at byte \(position ?? offset): \(what)")
    }

    /// Reads the next tag; `nil` at the end of the message.
    mutating func nextField() throws -> (number: UInt32, wireType: WireType)? {
        guard offset < end else { return nil }
        let start = offset
        let key = try readVarint()
        let number = key >> 3
        // Field numbers are 1 ... 2^29 - 1 (protobuf language guide, "Assigning Field Numbers").
        guard number >= 1, number <= 536_870_911 else {
            throw error("invalid field number \(number)", at: start)
        }
        guard let wireType = WireType(rawValue: UInt8(key & 7)) else {
            throw error("invalid wire type \(key & 7)", at: start)
        }
        field = UInt32(number)
        return (UInt32(number), wireType)
    }

    /// Reads a base-128 varint: at most 10 bytes, the 10th carrying at most one bit.
    mutating func readVarint() throws -> UInt64 {
        let start = offset
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < end else { throw error("truncated varint", at: start) }
            let byte = bytes[offset]
            offset += 1
            if shift == 63 && byte > 1 {
                throw error("varint overflows 64 bits", at: start)
            }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw error("varint longer than 10 bytes", at: start) }
        }
    }

    /// Reads an `int64` (two's complement in a varint).
    mutating func readInt64() throws -> Int64 { Int64(bitPattern: try readVarint()) }

    /// Reads an `int32`: negative values are sign-extended to 10 bytes on the wire.
    mutating func readInt32() throws -> Int32 {
        let start = offset
        let value = Int64(bitPattern: try readVarint())
        guard let narrow = Int32(exactly: value) else {
            throw error("int32 value \(value) out of range", at: start)
        }
        return narrow
    }

    /// Reads a `uint64` varint.
    mutating func readUInt64() throws -> UInt64 { try readVarint() }

    /// Reads 4 little-endian bytes.
    mutating func readFixed32() throws -> UInt32 {
        guard end - offset >= 4 else { throw error("truncated fixed32") }
        var value: UInt32 = 0
        for i in 0..<4 { value |= UInt32(bytes[offset + i]) << (8 * UInt32(i)) }
        offset += 4
        return value
    }

    /// Reads 8 little-endian bytes.
    mutating func readFixed64() throws -> UInt64 {
        guard end - offset >= 8 else { throw error("truncated fixed64") }
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        offset += 8
        return value
    }

    /// Reads a `float` (fixed32).
    mutating func readFloat() throws -> Float { Float(bitPattern: try readFixed32()) }

    /// Reads a `double` (fixed64).
    mutating func readDouble() throws -> Double { Double(bitPattern: try readFixed64()) }

    /// Reads a length prefix and returns the byte range it covers, checked against what remains.
    mutating func readLengthDelimited() throws -> Range<Int> {
        let start = offset
        let length = try readVarint()
        let remaining = end - offset
        guard length <= UInt64(remaining) else {
            throw error("length \(length) exceeds the \(remaining) bytes that remain", at: start)
        }
        let range = offset..<(offset + Int(length))
        offset = range.upperBound
        return range
    }

    /// Reads a `string` (UTF-8; invalid sequences are replaced, as ONNX is proto2).
    mutating func readString() throws -> String {
        let range = try readLengthDelimited()
        return String(decoding: bytes[range], as: UTF8.self)
    }

    /// Reads a `bytes` field as a new array.
    mutating func readBytes() throws -> [UInt8] {
        Array(bytes[try readLengthDelimited()])
    }

    /// Reads an embedded message and returns a reader limited to it, one level deeper.
    mutating func readMessage(_ name: String) throws -> ProtobufReader {
        let start = offset
        let range = try readLengthDelimited()
        guard depth + 1 <= maxDepth else {
            throw error("messages nested deeper than \(maxDepth) levels", at: start)
        }
        return ProtobufReader(bytes: bytes, range: range, depth: depth + 1, maxDepth: maxDepth, messageName: name)
    }

    /// Checks that the field just read has the wire type a known field requires.
    func expect(_ wireType: WireType, _ expected: WireType, _ fieldName: String) throws {
        guard wireType == expected else {
            throw error("\(fieldName) has wire type \(wireType), expected \(expected)")
        }
    }

    /// Skips a field of an unknown number according to its wire type.
    mutating func skip(_ wireType: WireType) throws {
        switch wireType {
        case .varint: _ = try readVarint()
        case .fixed64: _ = try readFixed64()
        case .fixed32: _ = try readFixed32()
        case .lengthDelimited: _ = try readLengthDelimited()
        case .startGroup: try skipGroup(number: field, level: depth + 1)
        case .endGroup: throw error("unexpected end-group tag")
        }
    }

    /// Skips a (deprecated) group up to its matching end-group tag, capping nesting.
    private mutating func skipGroup(number: UInt32, level: Int) throws {
        guard level <= maxDepth else { throw error("groups nested deeper than \(maxDepth) levels") }
        while let (inner, wireType) = try nextField() {
            if wireType == .endGroup {
                guard inner == number else { throw error("end-group \(inner) does not close group \(number)") }
                return
            }
            if wireType == .startGroup {
                try skipGroup(number: inner, level: level + 1)
            } else {
                try skip(wireType)
            }
        }
        throw error("truncated group \(number)")
    }

    // MARK: repeated scalars, packed or not

    /// Appends a repeated `int64` field, accepting both packed and unpacked encodings.
    mutating func appendInt64s(_ wireType: WireType, to values: inout [Int64], _ fieldName: String) throws {
        switch wireType {
        case .varint:
            values.append(try readInt64())
        case .lengthDelimited:
            let range = try readLengthDelimited()
            var sub = ProtobufReader(bytes: bytes, range: range, depth: depth, maxDepth: maxDepth, messageName: messageName)
            sub.field = field
            while !sub.isAtEnd { values.append(try sub.readInt64()) }
        default:
            throw error("\(fieldName) has wire type \(wireType), expected varint or packed")
        }
    }

    /// Appends a repeated `int32` field, packed or not.
    mutating func appendInt32s(_ wireType: WireType, to values: inout [Int32], _ fieldName: String) throws {
        switch wireType {
        case .varint:
            values.append(try readInt32())
        case .lengthDelimited:
            let range = try readLengthDelimited()
            var sub = ProtobufReader(bytes: bytes, range: range, depth: depth, maxDepth: maxDepth, messageName: messageName)
            sub.field = field
            while !sub.isAtEnd { values.append(try sub.readInt32()) }
        default:
            throw error("\(fieldName) has wire type \(wireType), expected varint or packed")
        }
    }

    /// Appends a repeated `uint64` field, packed or not.
    mutating func appendUInt64s(_ wireType: WireType, to values: inout [UInt64], _ fieldName: String) throws {
        switch wireType {
        case .varint:
            values.append(try readUInt64())
        case .lengthDelimited:
            let range = try readLengthDelimited()
            var sub = ProtobufReader(bytes: bytes, range: range, depth: depth, maxDepth: maxDepth, messageName: messageName)
            sub.field = field
            while !sub.isAtEnd { values.append(try sub.readUInt64()) }
        default:
            throw error("\(fieldName) has wire type \(wireType), expected varint or packed")
        }
    }

    /// Appends a repeated `float` field, packed or not.
    mutating func appendFloats(_ wireType: WireType, to values: inout [Float], _ fieldName: String) throws {
        switch wireType {
        case .fixed32:
            values.append(try readFloat())
        case .lengthDelimited:
            let range = try readLengthDelimited()
            guard range.count % 4 == 0 else { throw error("packed \(fieldName) length \(range.count) is not a multiple of 4") }
            values.reserveCapacity(values.count + range.count / 4)
            var i = range.lowerBound
            while i < range.upperBound {
                let bits = UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
                values.append(Float(bitPattern: bits))
                i += 4
            }
        default:
            throw error("\(fieldName) has wire type \(wireType), expected fixed32 or packed")
        }
    }

    /// Appends a repeated `double` field, packed or not.
    mutating func appendDoubles(_ wireType: WireType, to values: inout [Double], _ fieldName: String) throws {
        switch wireType {
        case .fixed64:
            values.append(try readDouble())
        case .lengthDelimited:
            let range = try readLengthDelimited()
            guard range.count % 8 == 0 else { throw error("packed \(fieldName) length \(range.count) is not a multiple of 8") }
            values.reserveCapacity(values.count + range.count / 8)
            var i = range.lowerBound
            while i < range.upperBound {
                var bits: UInt64 = 0
                for k in 0..<8 { bits |= UInt64(bytes[i + k]) << (8 * UInt64(k)) }
                values.append(Double(bitPattern: bits))
                i += 8
            }
        default:
            throw error("\(fieldName) has wire type \(wireType), expected fixed64 or packed")
        }
    }
}
