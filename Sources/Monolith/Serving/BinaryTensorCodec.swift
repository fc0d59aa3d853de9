import ModelKit

/// The binary tensor data extension's element encoding (Triton `extension_binary_data.md`):
/// little-endian, row-major, unpadded; BOOL is one byte (0 or 1); each BYTES element is a
/// 4-byte little-endian unsigned length followed by that many bytes.
enum BinaryTensorCodec {
    /// Decodes exactly `bytes` as `count` elements of `dataType`.
    ///
    /// Throws a 400 naming the input when the size disagrees with the shape (fixed-size
    /// types), when BYTES framing runs past the end or leaves bytes over, when a BOOL
    /// byte is not 0 or 1, or when a BYTES element is not UTF-8 (the models take text).
    static func decode(
        _ bytes: ArraySlice<UInt8>, dataType: DataType, count: Int, shape: [Int], name: String
    ) throws(ServingError) -> TensorStorage {
        if dataType == .string { return .string(try decodeStrings(bytes, count: count, name: name)) }
        guard let size = dataType.byteSize, dataType.isSupported else {
            throw .badRequest("input '\(name)': datatype \(dataType) cannot be sent as binary data")
        }
        guard bytes.count == count * size else {
            throw .badRequest("input '\(name)': binary_data_size is \(bytes.count) bytes but \(dataType.v2Name ?? "") shape \(TensorSignature.describe(shape)) needs \(count * size)")
        }
        return try bytes.withUnsafeBytes { raw -> Result<TensorStorage, ServingError> in
            switch dataType {
            case .float: return .success(.float(load(raw, count) { (b: UInt32) in Float(bitPattern: b) }))
            case .double: return .success(.double(load(raw, count) { (b: UInt64) in Double(bitPattern: b) }))
            case .float16: return .success(.float16(load(raw, count) { (b: UInt16) in b }))
            case .int8: return .success(.int8(load(raw, count) { (b: UInt8) in Int8(bitPattern: b) }))
            case .int16: return .success(.int16(load(raw, count) { (b: UInt16) in Int16(bitPattern: b) }))
            case .int32: return .success(.int32(load(raw, count) { (b: UInt32) in Int32(bitPattern: b) }))
            case .int64: return .success(.int64(load(raw, count) { (b: UInt64) in Int64(bitPattern: b) }))
            case .uint8: return .success(.uint8(Array(raw.bindMemory(to: UInt8.self))))
            case .uint16: return .success(.uint16(load(raw, count) { (b: UInt16) in b }))
            case .uint32: return .success(.uint32(load(raw, count) { (b: UInt32) in b }))
            case .uint64: return .success(.uint64(load(raw, count) { (b: UInt64) in b }))
            case .bool:
                var values: [Bool] = []
                values.reserveCapacity(count)
                for (i, byte) in raw.enumerated() {
                    guard byte <= 1 else {
                        return .failure(.badRequest("input '\(name)': BOOL element \(i) is the byte \(byte), expected 0 or 1"))
                    }
                    values.append(byte == 1)
                }
                return .success(.bool(values))
            default:
                return .failure(.badRequest("input '\(name)': datatype \(dataType) cannot be sent as binary data"))
            }
        }.get()
    }

    /// Loads `count` little-endian words of `Bits` and maps each one.
    @inline(__always)
    private static func load<Bits: FixedWidthInteger, T>(
        _ raw: UnsafeRawBufferPointer, _ count: Int, _ map: (Bits) -> T
    ) -> [T] {
        let stride = MemoryLayout<Bits>.size
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count {
                let bits = Bits(littleEndian: raw.loadUnaligned(fromByteOffset: i * stride, as: Bits.self))
                buffer.initializeElement(at: i, to: map(bits))
            }
            initialized = count
        }
    }

    private static func decodeStrings(_ bytes: ArraySlice<UInt8>, count: Int, name: String) throws(ServingError) -> [String] {
        var strings: [String] = []
        // Each element takes at least its 4-byte length, so `count` cannot exceed bytes / 4.
        guard count <= bytes.count / 4 else {
            throw .badRequest("input '\(name)': binary_data_size is \(bytes.count) bytes, too few for \(count) BYTES element(s) (4-byte length each)")
        }
        strings.reserveCapacity(count)
        var offset = bytes.startIndex
        for i in 0..<count {
            guard bytes.endIndex - offset >= 4 else {
                throw .badRequest("input '\(name)': BYTES element \(i) runs past binary_data_size")
            }
            let length = Int(UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
                | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24)
            offset += 4
            guard bytes.endIndex - offset >= length else {
                throw .badRequest("input '\(name)': BYTES element \(i) declares \(length) bytes, past binary_data_size")
            }
            guard let text = String(validating: bytes[offset..<(offset + length)], as: UTF8.self) else {
                throw .badRequest("input '\(name)': BYTES element \(i) is not valid UTF-8 (the model takes text)")
            }
            strings.append(text)
            offset += length
        }
        guard offset == bytes.endIndex else {
            throw .badRequest("input '\(name)': binary_data_size is \(bytes.count) bytes but its \(count) BYTES element(s) take \(offset - bytes.startIndex)")
        }
        return strings
    }

    /// Appends `storage` in the binary encoding; returns the number of bytes written.
    @discardableResult
    static func encode(_ storage: TensorStorage, into out: inout [UInt8]) -> Int {
        let start = out.count
        switch storage {
        case .float(let v): store(v, into: &out) { $0.bitPattern }
        case .double(let v): store(v, into: &out) { $0.bitPattern }
        case .float16(let v): store(v, into: &out) { $0 }
        case .int8(let v): out.append(contentsOf: v.map { UInt8(bitPattern: $0) })
        case .int16(let v): store(v, into: &out) { UInt16(bitPattern: $0) }
        case .int32(let v): store(v, into: &out) { UInt32(bitPattern: $0) }
        case .int64(let v): store(v, into: &out) { UInt64(bitPattern: $0) }
        case .uint8(let v): out.append(contentsOf: v)
        case .uint16(let v): store(v, into: &out) { $0 }
        case .uint32(let v): store(v, into: &out) { $0 }
        case .uint64(let v): store(v, into: &out) { $0 }
        case .bool(let v): out.append(contentsOf: v.map { $0 ? 1 : 0 })
        case .string(let v):
            for text in v {
                let utf8 = text.utf8
                let length = UInt32(truncatingIfNeeded: utf8.count)
                withUnsafeBytes(of: length.littleEndian) { out.append(contentsOf: $0) }
                out.append(contentsOf: utf8)
            }
        }
        return out.count - start
    }

    @inline(__always)
    private static func store<T, Bits: FixedWidthInteger>(_ values: [T], into out: inout [UInt8], _ bits: (T) -> Bits) {
        out.reserveCapacity(out.count + values.count * MemoryLayout<Bits>.size)
        for value in values {
            withUnsafeBytes(of: bits(value).littleEndian) { out.append(contentsOf: $0) }
        }
    }
}
