import ModelKit

/// The hot path of `POST /predict`: `{"features":[numbers]}` or `{"instances":[[numbers],...]}`
/// for a single-input FP32 or FP64 model, decoded straight from the bytes into the
/// tensor's buffer — no JSON tree, no per-number allocation.
///
/// Anything else (other keys, nested objects, strings, NaN, ragged rows, invalid JSON,
/// numbers out of range) returns `nil` and the request takes the general path, which also
/// produces the error message with its position. So this decoder only ever accepts bodies
/// the general path accepts, and decodes them to the same tensor.
enum FastRowDecoder {
    /// The single input's tensor, or `nil` when the body is not of the simple shape.
    static func decode(_ body: [UInt8], signature: ModelSignature, limits: ServingLimits) -> Tensor? {
        guard signature.inputs.count == 1, let input = signature.inputs.first,
              input.dataType == .float || input.dataType == .double else { return nil }
        return body.withUnsafeBufferPointer { p -> Tensor? in
            var scanner = Scanner(p: p)
            guard scanner.consume(UInt8(ascii: "{")) else { return nil }
            let rows: Int
            var floats: [Float] = []
            var doubles: [Double] = []
            let wantFloat = input.dataType == .float
            // One allocation for a row of the declared width (growth reallocates otherwise).
            let declared = input.shape?.last.flatMap { $0 > 0 && $0 <= 4096 ? $0 : nil } ?? 16
            if wantFloat { floats.reserveCapacity(declared) } else { doubles.reserveCapacity(declared) }
            var width = -1
            if scanner.consumeKey("features") {
                guard let count = scanner.numberArray(wantFloat, &floats, &doubles) else { return nil }
                rows = 1
                width = count
            } else if scanner.consumeKey("instances") {
                guard scanner.consume(UInt8(ascii: "[")) else { return nil }
                var n = 0
                repeat {
                    guard let count = scanner.numberArray(wantFloat, &floats, &doubles), width < 0 || count == width else { return nil }
                    width = count
                    n += 1
                } while scanner.consume(UInt8(ascii: ","))
                guard scanner.consume(UInt8(ascii: "]")) else { return nil }
                rows = n
            } else {
                return nil
            }
            guard scanner.consume(UInt8(ascii: "}")), scanner.atEnd, width > 0 else { return nil }
            let shape = FeedBuilder.fitted([rows, width], to: input)
            guard input.accepts(shape: shape),
                  (try? limits.elementCount(of: shape, elementSize: input.dataType.byteSize ?? 4, for: input.name)) != nil else { return nil }
            return try? (wantFloat ? Tensor(shape: shape, elements: floats) : Tensor(shape: shape, elements: doubles))
        }
    }

    private struct Scanner {
        let p: UnsafeBufferPointer<UInt8>
        var i = 0

        init(p: UnsafeBufferPointer<UInt8>) { self.p = p }

        var atEnd: Bool {
            mutating get {
                skipSpace()
                return i == p.count
            }
        }

        @inline(__always)
        mutating func skipSpace() {
            while i < p.count, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 }
        }

        @inline(__always)
        mutating func consume(_ byte: UInt8) -> Bool {
            skipSpace()
            guard i < p.count, p[i] == byte else { return false }
            i += 1
            return true
        }

        /// `"key":` with no escapes.
        mutating func consumeKey(_ key: StaticString) -> Bool {
            skipSpace()
            let count = key.utf8CodeUnitCount
            guard p.count - i >= count + 2, p[i] == UInt8(ascii: "\"") else { return false }
            for k in 0..<count where p[i + 1 + k] != key.utf8Start[k] { return false }
            guard p[i + 1 + count] == UInt8(ascii: "\"") else { return false }
            i += count + 2
            return consume(UInt8(ascii: ":"))
        }

        /// `[n, n, ...]` appended to `floats` or `doubles`; the count, or nil.
        mutating func numberArray(_ wantFloat: Bool, _ floats: inout [Float], _ doubles: inout [Double]) -> Int? {
            guard consume(UInt8(ascii: "[")) else { return nil }
            var count = 0
            repeat {
                skipSpace()
                guard let scan = DecimalNumber.scan(p, i) else { return nil }
                if wantFloat {
                    let value = DecimalNumber.float(scan, p, i)
                    // Out of Double range is an error of the general path; out of Float range
                    // rounds to infinity there too, so only a non-finite Double is refused.
                    if !value.isFinite, !DecimalNumber.double(scan, p, i).isFinite { return nil }
                    floats.append(value)
                } else {
                    let value = DecimalNumber.double(scan, p, i)
                    guard value.isFinite else { return nil }
                    doubles.append(value)
                }
                i = scan.end
                count += 1
            } while consume(UInt8(ascii: ","))
            guard consume(UInt8(ascii: "]")) else { return nil }
            return count
        }
    }
}
