/// A strict RFC 8259 JSON parser over bytes, with a depth limit and exact error positions.
///
/// The parser never allocates by a size read from the input: arrays, objects and strings
/// grow with the bytes actually present, and the input itself is already bounded by the
/// HTTP body limit. Invalid UTF-8, lone surrogates, control characters in strings,
/// leading zeros, trailing commas and trailing content are rejected.
public struct JSONParser: Sendable {
    /// What the parser accepts beyond RFC 8259.
    public struct Options: Sendable {
        /// The deepest nesting of arrays and objects accepted.
        public var maxDepth: Int
        /// Accept `NaN`, `Infinity`, `-Infinity` (and `Inf`, `-Inf`) as numbers, as
        /// TensorFlow Serving's REST API does; also lets out-of-range numbers become infinities.
        public var allowNonFiniteNumbers: Bool

        public init(maxDepth: Int = 128, allowNonFiniteNumbers: Bool = false) {
            self.maxDepth = maxDepth
            self.allowNonFiniteNumbers = allowNonFiniteNumbers
        }
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    /// Parses one JSON value filling the whole input (surrounding whitespace allowed).
    public func parse(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { buffer throws(JSONError) in try parse(buffer) }
    }

    /// Parses one JSON value filling the whole slice.
    public func parse(_ bytes: ArraySlice<UInt8>) throws(JSONError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { buffer throws(JSONError) in try parse(buffer) }
    }

    /// Parses one JSON value filling the whole buffer.
    public func parse(_ buffer: UnsafeBufferPointer<UInt8>) throws(JSONError) -> JSONValue {
        var cursor = JSONCursor(buffer: buffer, options: options)
        cursor.skipWhitespace()
        let value = try cursor.parseValue(depth: 0)
        cursor.skipWhitespace()
        if cursor.index < buffer.count {
            throw cursor.error("unexpected content after the JSON value")
        }
        return value
    }

    /// Parses `bytes` with the default options.
    public static func parse(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
        try JSONParser().parse(bytes)
    }
}

/// The parser's position in its input; all reading goes through bounds-checked helpers.
private struct JSONCursor {
    let buffer: UnsafeBufferPointer<UInt8>
    let options: JSONParser.Options
    var index = 0

    init(buffer: UnsafeBufferPointer<UInt8>, options: JSONParser.Options) {
        self.buffer = buffer
        self.options = options
    }

    func error(_ reason: String, at offset: Int? = nil) -> JSONError {
        let offset = min(offset ?? index, buffer.count)
        var line = 1
        var lineStart = 0
        for i in 0..<offset where buffer[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        return JSONError(reason: reason, offset: offset, line: line, column: offset - lineStart + 1)
    }

    var atEnd: Bool { index >= buffer.count }

    mutating func skipWhitespace() {
        while index < buffer.count {
            switch buffer[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16))"
    }

    mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
        guard index < buffer.count else { throw error("unexpected end of input, expected a value") }
        switch buffer[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        case UInt8(ascii: "N"), UInt8(ascii: "I"): return try parseNonFinite()
        case let byte: throw error("unexpected \(describe(byte)), expected a value")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let start = index
        let count = literal.utf8CodeUnitCount
        guard buffer.count - index >= count else {
            throw error("invalid literal, expected '\(literal)'", at: start)
        }
        let text = literal.utf8Start
        for i in 0..<count where buffer[index + i] != text[i] {
            throw error("invalid literal, expected '\(literal)'", at: start)
        }
        index += count
    }

    mutating func parseObject(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= options.maxDepth else { throw error("nesting deeper than \(options.maxDepth)") }
        index += 1  // '{'
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if index < buffer.count && buffer[index] == UInt8(ascii: "}") {
            index += 1
            return .object(JSONObject(members))
        }
        while true {
            skipWhitespace()
            guard index < buffer.count else { throw error("unexpected end of input inside an object") }
            guard buffer[index] == UInt8(ascii: "\"") else {
                throw error("unexpected \(describe(buffer[index])), expected a string key")
            }
            let key = try parseString()
            skipWhitespace()
            guard index < buffer.count, buffer[index] == UInt8(ascii: ":") else {
                throw error("expected ':' after object key")
            }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            members.append((key, value))
            skipWhitespace()
            guard index < buffer.count else { throw error("unexpected end of input inside an object") }
            switch buffer[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return .object(JSONObject(members))
            case let byte: throw error("unexpected \(describe(byte)), expected ',' or '}'")
            }
        }
    }

    mutating func parseArray(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= options.maxDepth else { throw error("nesting deeper than \(options.maxDepth)") }
        index += 1  // '['
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < buffer.count && buffer[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard index < buffer.count else { throw error("unexpected end of input inside an array") }
            switch buffer[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return .array(elements)
            case let byte: throw error("unexpected \(describe(byte)), expected ',' or ']'")
            }
        }
    }

    // MARK: Strings

    mutating func parseString() throws(JSONError) -> String {
        let open = index
        index += 1  // '"'
        let start = index
        // Fast path: no escapes.
        while index < buffer.count {
            let byte = buffer[index]
            if byte == UInt8(ascii: "\"") {
                let text = UnsafeBufferPointer(rebasing: buffer[start..<index])
                index += 1
                return try makeString(text, at: start)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("control character \(describe(byte)) in string") }
            index += 1
        }
        guard index < buffer.count else { throw error("unterminated string", at: open) }
        var bytes = Array(buffer[start..<index])
        while index < buffer.count {
            let byte = buffer[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return try bytes.withUnsafeBufferPointer { b throws(JSONError) in try makeString(b, at: start) }
            case UInt8(ascii: "\\"):
                try parseEscape(into: &bytes)
            case 0..<0x20:
                throw error("control character \(describe(byte)) in string")
            default:
                bytes.append(byte)
                index += 1
            }
        }
        throw error("unterminated string", at: open)
    }

    func makeString(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) throws(JSONError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw error("string is not valid UTF-8", at: offset)
        }
        return text
    }

    mutating func parseEscape(into bytes: inout [UInt8]) throws(JSONError) {
        let escapeStart = index
        index += 1  // '\'
        guard index < buffer.count else { throw error("unterminated escape sequence", at: escapeStart) }
        let code = buffer[index]
        index += 1
        switch code {
        case UInt8(ascii: "\""): bytes.append(0x22)
        case UInt8(ascii: "\\"): bytes.append(0x5C)
        case UInt8(ascii: "/"): bytes.append(0x2F)
        case UInt8(ascii: "b"): bytes.append(0x08)
        case UInt8(ascii: "f"): bytes.append(0x0C)
        case UInt8(ascii: "n"): bytes.append(0x0A)
        case UInt8(ascii: "r"): bytes.append(0x0D)
        case UInt8(ascii: "t"): bytes.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4(escapeStart)
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate must be followed by an escaped low surrogate (RFC 8259 §7).
                guard buffer.count - index >= 6, buffer[index] == UInt8(ascii: "\\"),
                      buffer[index + 1] == UInt8(ascii: "u") else {
                    throw error("unpaired UTF-16 surrogate in \\u escape", at: escapeStart)
                }
                index += 2
                let low = try parseHex4(escapeStart)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw error("unpaired UTF-16 surrogate in \\u escape", at: escapeStart)
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw error("unpaired UTF-16 surrogate in \\u escape", at: escapeStart)
            }
            guard let unicode = Unicode.Scalar(scalar) else {
                throw error("invalid \\u escape", at: escapeStart)
            }
            bytes.append(contentsOf: UTF8.encode(unicode).map { Array($0) } ?? [])
        default:
            throw error("invalid escape sequence '\\\(Character(Unicode.Scalar(code)))'", at: escapeStart)
        }
    }

    mutating func parseHex4(_ escapeStart: Int) throws(JSONError) -> UInt32 {
        guard buffer.count - index >= 4 else { throw error("truncated \\u escape", at: escapeStart) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = buffer[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    // MARK: Numbers

    mutating func parseNonFinite() throws(JSONError) -> JSONValue {
        guard options.allowNonFiniteNumbers else {
            throw error("unexpected \(describe(buffer[index])), expected a value (NaN and Infinity are not JSON)")
        }
        if buffer[index] == UInt8(ascii: "N") {
            try expectLiteral("NaN")
            return .double(.nan)
        }
        try parseInfinityWord()
        return .double(.infinity)
    }

    /// Reads `Infinity` or `Inf` at the cursor.
    mutating func parseInfinityWord() throws(JSONError) {
        if buffer.count - index >= 8 {
            var isLong = true
            for (i, c) in "Infinity".utf8.enumerated() where buffer[index + i] != c { isLong = false }
            if isLong { index += 8; return }
        }
        try expectLiteral("Inf")
    }

    mutating func parseNumber() throws(JSONError) -> JSONValue {
        let start = index
        var negative = false
        if buffer[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
            if options.allowNonFiniteNumbers, index < buffer.count, buffer[index] == UInt8(ascii: "I") {
                try parseInfinityWord()
                return .double(-.infinity)
            }
        }
        guard index < buffer.count, isDigit(buffer[index]) else {
            throw error("invalid number: expected a digit", at: index)
        }
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var droppedDigits = 0  // integer digits beyond the 19 kept in `mantissa`
        if buffer[index] == UInt8(ascii: "0") {
            index += 1
            if index < buffer.count, isDigit(buffer[index]) {
                throw error("invalid number: leading zero", at: start)
            }
        } else {
            while index < buffer.count, isDigit(buffer[index]) {
                if significantDigits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(buffer[index] - UInt8(ascii: "0"))
                    significantDigits += 1
                } else {
                    droppedDigits += 1
                }
                index += 1
            }
        }
        var isInteger = true
        var fractionDigits = 0
        var exactMantissa = droppedDigits == 0
        if index < buffer.count, buffer[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < buffer.count, isDigit(buffer[index]) else {
                throw error("invalid number: expected a digit after '.'", at: index)
            }
            while index < buffer.count, isDigit(buffer[index]) {
                if significantDigits < 19 && exactMantissa {
                    mantissa = mantissa &* 10 &+ UInt64(buffer[index] - UInt8(ascii: "0"))
                    if mantissa != 0 || significantDigits > 0 { significantDigits += 1 }
                    fractionDigits += 1
                } else {
                    exactMantissa = false
                }
                index += 1
            }
        }
        var exponent = 0
        if index < buffer.count, buffer[index] == UInt8(ascii: "e") || buffer[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            var exponentNegative = false
            if index < buffer.count, buffer[index] == UInt8(ascii: "+") || buffer[index] == UInt8(ascii: "-") {
                exponentNegative = buffer[index] == UInt8(ascii: "-")
                index += 1
            }
            guard index < buffer.count, isDigit(buffer[index]) else {
                throw error("invalid number: expected a digit in the exponent", at: index)
            }
            while index < buffer.count, isDigit(buffer[index]) {
                if exponent < 100_000 { exponent = exponent * 10 + Int(buffer[index] - UInt8(ascii: "0")) }
                index += 1
            }
            if exponentNegative { exponent = -exponent }
        }
        if isInteger && exactMantissa {
            if negative {
                if mantissa <= UInt64(Int64.max) { return .integer(-Int64(mantissa)) }
                if mantissa == UInt64(Int64.max) + 1 { return .integer(Int64.min) }
            } else if mantissa <= UInt64(Int64.max) {
                return .integer(Int64(mantissa))
            }
        }
        // Clinger's fast path: an exact mantissa below 2^53 times a power of ten up to 10^22
        // is correctly rounded by one IEEE multiplication or division.
        let decimalExponent = exponent - fractionDigits
        if exactMantissa, mantissa <= 1 << 53, (-22...22).contains(decimalExponent) {
            var value = Double(mantissa)
            if decimalExponent < 0 {
                value /= powersOfTen[-decimalExponent]
            } else {
                value *= powersOfTen[decimalExponent]
            }
            return .double(negative ? -value : value)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<index]), as: UTF8.self)
        guard let value = Double(text) else { throw error("invalid number", at: start) }
        if !value.isFinite && !options.allowNonFiniteNumbers {
            throw error("number out of range", at: start)
        }
        return .double(value)
    }

    func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}

private let powersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]
