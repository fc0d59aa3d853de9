/// Writes JSON text into a byte buffer, placing commas itself.
///
/// Floating-point numbers are printed shortest-round-trip (Swift's own printing:
/// reading the text back gives the same `Float` or `Double`). Non-finite numbers, which
/// JSON cannot express, are written as `null` or, when asked, as the `NaN`/`Infinity`
/// literals TensorFlow Serving uses.
///
/// ```swift
/// var json = JSONWriter()
/// json.beginObject()
/// json.key("status"); json.string("ok")
/// json.endObject()
/// // json.bytes == Array(#"{"status":"ok"}"#.utf8)
/// ```
public struct JSONWriter: Sendable {
    /// How to write numbers that are not finite.
    public enum NonFiniteStyle: Sendable {
        /// `null`, the only standard JSON choice.
        case null
        /// `NaN`, `Infinity`, `-Infinity`, as TensorFlow Serving and Python's `json` write them.
        case literals
    }

    /// The text written so far.
    public private(set) var bytes: [UInt8]
    /// How non-finite numbers are written.
    public var nonFiniteStyle: NonFiniteStyle
    private var needsComma = false

    public init(capacity: Int = 256, nonFiniteStyle: NonFiniteStyle = .null) {
        bytes = []
        bytes.reserveCapacity(capacity)
        self.nonFiniteStyle = nonFiniteStyle
    }

    @inline(__always)
    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    /// Starts an object (`{`).
    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    /// Ends the current object (`}`).
    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// Starts an array (`[`).
    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    /// Ends the current array (`]`).
    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes an object member's name; the next value written is its value.
    public mutating func key(_ name: String) {
        separate()
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Writes a string value.
    public mutating func string(_ value: String) {
        separate()
        appendQuoted(value)
        needsComma = true
    }

    /// Writes a boolean value.
    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: value ? trueLiteral : falseLiteral)
        needsComma = true
    }

    /// Writes `null`.
    public mutating func null() {
        separate()
        bytes.append(contentsOf: nullLiteral)
        needsComma = true
    }

    /// Writes an `Int` value.
    public mutating func number(_ value: Int) {
        separate()
        appendInteger(negative: value < 0, magnitude: UInt64(value.magnitude))
        needsComma = true
    }

    /// Writes an `Int64` value.
    public mutating func number(_ value: Int64) {
        separate()
        appendInteger(negative: value < 0, magnitude: value.magnitude)
        needsComma = true
    }

    /// Writes an integer value.
    public mutating func number<T: BinaryInteger>(_ value: T) {
        separate()
        appendInteger(value)
        needsComma = true
    }

    /// Writes a `Double`, shortest round-trip.
    public mutating func number(_ value: Double) {
        separate()
        if value.isFinite {
            bytes.append(contentsOf: value.description.utf8)
        } else {
            appendNonFinite(isNaN: value.isNaN, negative: value < 0)
        }
        needsComma = true
    }

    /// Writes a `Float`, shortest round-trip for 32 bits (0.1 prints as `0.1`).
    public mutating func number(_ value: Float) {
        separate()
        if value.isFinite {
            bytes.append(contentsOf: value.description.utf8)
        } else {
            appendNonFinite(isNaN: value.isNaN, negative: value < 0)
        }
        needsComma = true
    }

    /// Writes an array of `Float`s.
    public mutating func numbers(_ values: some Sequence<Float>) {
        beginArray()
        for value in values { number(value) }
        endArray()
    }

    /// Writes an array of `Double`s.
    public mutating func numbers(_ values: some Sequence<Double>) {
        beginArray()
        for value in values { number(value) }
        endArray()
    }

    /// Writes an array of integers.
    public mutating func numbers<T: BinaryInteger>(_ values: some Sequence<T>) {
        beginArray()
        for value in values { number(value) }
        endArray()
    }

    /// Writes a parsed value back out.
    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let flag): bool(flag)
        case .integer(let integer): number(integer)
        case .double(let double): number(double)
        case .string(let text): string(text)
        case .array(let elements):
            beginArray()
            for element in elements { self.value(element) }
            endArray()
        case .object(let object):
            beginObject()
            for member in object.members {
                key(member.key)
                self.value(member.value)
            }
            endObject()
        }
    }

    /// Appends already-serialized JSON text as one value (the caller vouches it is valid).
    public mutating func raw(_ json: some Collection<UInt8>) {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    private mutating func appendNonFinite(isNaN: Bool, negative: Bool) {
        switch nonFiniteStyle {
        case .null: bytes.append(contentsOf: nullLiteral)
        case .literals:
            if isNaN {
                bytes.append(contentsOf: "NaN".utf8)
            } else {
                bytes.append(contentsOf: (negative ? "-Infinity" : "Infinity").utf8)
            }
        }
    }

    private mutating func appendInteger<T: BinaryInteger>(_ value: T) {
        // Every integer type of the standard library fits UInt64 by magnitude.
        appendInteger(negative: value < 0, magnitude: UInt64(truncatingIfNeeded: value.magnitude))
    }

    private mutating func appendInteger(negative: Bool, magnitude: UInt64) {
        if negative { bytes.append(UInt8(ascii: "-")) }
        if magnitude == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        // Digits least significant first into 20 bytes of scratch (2^64 has 20 digits).
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &scratch) { digits in
            var count = 0
            var rest = magnitude
            while rest > 0 {
                let (quotient, remainder) = rest.quotientAndRemainder(dividingBy: 10)
                digits[count] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remainder)
                count += 1
                rest = quotient
            }
            while count > 0 {
                count -= 1
                bytes.append(digits[count])
            }
        }
    }

    /// Appends `text` as a JSON string, escaping what RFC 8259 §7 requires.
    private mutating func appendQuoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var runStart = 0
            for i in 0..<utf8.count {
                let byte = utf8[i]
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
                runStart = i + 1
                switch byte {
                case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
                case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                default:
                    bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                              hexDigit(byte >> 4), hexDigit(byte & 0xF)])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

private func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
}

private let trueLiteral: StaticString = "true"
private let falseLiteral: StaticString = "false"
private let nullLiteral: StaticString = "null"

extension Array where Element == UInt8 {
    fileprivate mutating func append(contentsOf literal: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }
}
