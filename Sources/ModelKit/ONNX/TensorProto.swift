/// The fields of ONNX `TensorProto`; converted to a `Tensor` (with limit checks) on demand.
struct TensorProto {
    var name = ""
    var dims: [Int64] = []
    var dataType: Int64 = 0
    var rawData: ArraySlice<UInt8>?
    var floatData: [Float] = []
    var int32Data: [Int32] = []
    var int64Data: [Int64] = []
    var doubleData: [Double] = []
    var uint64Data: [UInt64] = []
    var stringData: [[UInt8]] = []
    var isExternal = false
    var hasSegment = false

    init(reader: inout ProtobufReader, limits: ModelLimits) throws {
        while let (field, wire) = try reader.nextField() {
            switch field {
            case 1:
                try reader.appendInt64s(wire, to: &dims, "dims")
                guard dims.count <= limits.maxRank else {
                    throw ModelError.limit("tensor has more than \(limits.maxRank) dimensions")
                }
            case 2: try reader.expect(wire, .varint, "data_type"); dataType = try reader.readInt64()
            case 3: try reader.expect(wire, .lengthDelimited, "segment"); _ = try reader.readLengthDelimited(); hasSegment = true
            case 4: try reader.appendFloats(wire, to: &floatData, "float_data")
            case 5: try reader.appendInt32s(wire, to: &int32Data, "int32_data")
            case 6: try reader.expect(wire, .lengthDelimited, "string_data"); stringData.append(try reader.readBytes())
            case 7: try reader.appendInt64s(wire, to: &int64Data, "int64_data")
            case 8: try reader.expect(wire, .lengthDelimited, "name"); name = try reader.readString()
            case 9: try reader.expect(wire, .lengthDelimited, "raw_data"); rawData = reader.bytes[try reader.readLengthDelimited()]
            case 10: try reader.appendDoubles(wire, to: &doubleData, "double_data")
            case 11: try reader.appendUInt64s(wire, to: &uint64Data, "uint64_data")
            case 13: try reader.expect(wire, .lengthDelimited, "external_data"); _ = try reader.readLengthDelimited(); isExternal = true
            case 14:
                try reader.expect(wire, .varint, "data_location")
                if try reader.readInt64() == 1 { isExternal = true }
            default:
                try reader.skip(wire)
            }
        }
    }

    /// Converts to a `Tensor`, checking type support, shape, limits and data length; `what` names it in errors.
    func makeTensor(limits: ModelLimits, what: String) throws -> Tensor {
        guard !isExternal else {
            throw ModelError.unsupported("\(what) uses external data (a separate weights file), which is not supported; save the model with all tensors inside the file")
        }
        guard !hasSegment else { throw ModelError.unsupported("\(what) is a segmented tensor, which is not supported") }
        guard let type = DataType(onnx: dataType), type != .undefined else {
            throw ModelError.invalidModel("\(what) has an invalid data type \(dataType)")
        }
        guard type.isSupported else {
            throw ModelError.unsupported("\(what) has data type \(type), which is not supported")
        }
        var shape: [Int] = []
        shape.reserveCapacity(dims.count)
        for d in dims {
            guard d >= 0, let n = Int(exactly: d) else {
                throw ModelError.invalidModel("\(what) has a negative dimension in \(dims)")
            }
            shape.append(n)
        }
        let count = try limits.check(shape: shape, what)
        let storage = try decodeStorage(type, count: count, what: what)
        return Tensor(unchecked: shape, storage)
    }

    private func decodeStorage(_ type: DataType, count: Int, what: String) throws -> TensorStorage {
        if let raw = rawData, type != .string {
            guard let size = type.byteSize else { throw ModelError.unsupported("\(what): raw data of type \(type)") }
            guard raw.count == count &* size else {
                throw ModelError.malformed("\(what): raw_data holds \(raw.count) bytes, expected \(count) elements x \(size) bytes")
            }
            return TensorProto.decodeRaw(raw, type, count: count)
        }
        func check(_ n: Int, _ field: String) throws {
            guard n == count else {
                throw ModelError.malformed("\(what): \(field) holds \(n) values, expected \(count) for dims \(dims)")
            }
        }
        switch type {
        case .float:
            try check(floatData.count, "float_data")
            return .float(floatData)
        case .double:
            try check(doubleData.count, "double_data")
            return .double(doubleData)
        case .int64:
            try check(int64Data.count, "int64_data")
            return .int64(int64Data)
        case .uint64:
            try check(uint64Data.count, "uint64_data")
            return .uint64(uint64Data)
        case .uint32:
            try check(uint64Data.count, "uint64_data")
            return .uint32(uint64Data.map { UInt32(truncatingIfNeeded: $0) })
        case .string:
            try check(stringData.count, "string_data")
            return .string(stringData.map { String(decoding: $0, as: UTF8.self) })
        case .int32:
            try check(int32Data.count, "int32_data")
            return .int32(int32Data)
        case .int16:
            try check(int32Data.count, "int32_data")
            return .int16(int32Data.map { Int16(truncatingIfNeeded: $0) })
        case .int8:
            try check(int32Data.count, "int32_data")
            return .int8(int32Data.map { Int8(truncatingIfNeeded: $0) })
        case .uint16:
            try check(int32Data.count, "int32_data")
            return .uint16(int32Data.map { UInt16(truncatingIfNeeded: $0) })
        case .uint8:
            try check(int32Data.count, "int32_data")
            return .uint8(int32Data.map { UInt8(truncatingIfNeeded: $0) })
        case .float16:
            // onnx.proto: float16 values are stored as their bit patterns in int32_data.
            try check(int32Data.count, "int32_data")
            return .float16(int32Data.map { UInt16(truncatingIfNeeded: $0) })
        case .bool:
            try check(int32Data.count, "int32_data")
            return .bool(int32Data.map { $0 != 0 })
        default:
            throw ModelError.unsupported("\(what) has data type \(type), which is not supported")
        }
    }

    /// Decodes little-endian `raw_data` (its length already checked) into typed storage.
    static func decodeRaw(_ raw: ArraySlice<UInt8>, _ type: DataType, count: Int) -> TensorStorage {
        func load<T: FixedWidthInteger>(_: T.Type) -> [T] {
            raw.withUnsafeBytes { bytes in
                (0..<count).map { T(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self)) }
            }
        }
        switch type {
        case .float: return .float(load(UInt32.self).map { Float(bitPattern: $0) })
        case .double: return .double(load(UInt64.self).map { Double(bitPattern: $0) })
        case .float16: return .float16(load(UInt16.self))
        case .int8: return .int8(load(Int8.self))
        case .int16: return .int16(load(Int16.self))
        case .int32: return .int32(load(Int32.self))
        case .int64: return .int64(load(Int64.self))
        case .uint8: return .uint8(Array(raw))
        case .uint16: return .uint16(load(UInt16.self))
        case .uint32: return .uint32(load(UInt32.self))
        case .uint64: return .uint64(load(UInt64.self))
        case .bool: return .bool(raw.map { $0 != 0 })
        default: return .uint8([])
        }
    }
}
