/// Header fields of a request or response, kept in order with duplicates (RFC 9110 §5.2–5.3).
///
/// Names and values live in one byte buffer with offsets, so a parsed head costs two
/// allocations and lookups compare bytes without making Strings. Name lookup is
/// case-insensitive (RFC 9110 §5.1).
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    /// Offsets of one field line inside `bytes`.
    @usableFromInline
    struct Field: Sendable {
        @usableFromInline var nameStart: UInt32
        @usableFromInline var nameLength: UInt32
        @usableFromInline var valueStart: UInt32
        @usableFromInline var valueLength: UInt32
    }

    @usableFromInline var bytes: [UInt8]
    @usableFromInline var fields: [Field]

    /// Creates an empty header list.
    public init() {
        bytes = []
        fields = []
    }

    /// Creates an empty header list with room for `fields` lines totalling `bytes` bytes.
    public init(reservingFields fields: Int, bytes: Int) {
        self.init()
        reserveCapacity(fields: fields, bytes: bytes)
    }

    /// Creates headers from ordered name/value pairs.
    public init(_ pairs: [(String, String)]) {
        self.init()
        for (name, value) in pairs { add(name: name, value: value) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// Creates headers over already validated storage (used by the parser).
    init(bytes: [UInt8], fields: [Field]) {
        self.bytes = bytes
        self.fields = fields
    }

    /// The number of field lines.
    public var count: Int { fields.count }
    public var isEmpty: Bool { fields.isEmpty }

    /// The first value of the field `name`, compared case-insensitively, or nil.
    public subscript(name: String) -> String? {
        guard let i = firstIndex(of: name) else { return nil }
        return value(at: i)
    }

    /// Every value of the field `name`, one per field line, in order.
    public func values(for name: String) -> [String] {
        var result: [String] = []
        for i in fields.indices where nameEquals(i, name) { result.append(value(at: i)) }
        return result
    }

    /// The value bytes of the first field named `lowercasedName` (lower-case ASCII), without
    /// making a String: a slice sharing the headers' storage, or nil when absent.
    public func firstValueBytes(lowercasedName: StaticString) -> ArraySlice<UInt8>? {
        guard let i = firstIndex(lowercased: lowercasedName) else { return nil }
        let f = fields[i]
        return bytes[Int(f.valueStart)..<Int(f.valueStart + f.valueLength)]
    }

    /// True when at least one field line is named `name`.
    public func contains(_ name: String) -> Bool { firstIndex(of: name) != nil }

    /// Appends a field line. An invalid name (not a token) is ignored, and control
    /// characters in the value (CR, LF, NUL…) are replaced by spaces, so a handler can
    /// never split a response (RFC 9110 §5.5).
    public mutating func add(name: String, value: String) {
        var value = value
        value.withUTF8 { add(name: name, valueBytes: $0) }
    }

    /// Appends a field line whose value is given as bytes (no String needed), with the
    /// same checks as `add(name:value:)`.
    public mutating func add(name: String, valueBytes: UnsafeBufferPointer<UInt8>) {
        var name = name
        name.withUTF8 { n in
            guard !n.isEmpty else { return }
            for b in n where !HTTPByte.isTokenChar(b) { return }
            appendSanitized(name: n, value: valueBytes)
        }
    }

    /// Appends `name` and `value` (control characters in it replaced by spaces) without an
    /// intermediate copy.
    private mutating func appendSanitized(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        let nameStart = bytes.count
        bytes.append(contentsOf: name)
        let valueStart = bytes.count
        if value.allSatisfy(HTTPByte.isFieldValueChar) {
            bytes.append(contentsOf: value)
        } else {
            for b in value { bytes.append(HTTPByte.isFieldValueChar(b) ? b : HTTPByte.sp) }
        }
        commitField(nameStart: nameStart, valueStart: valueStart)
    }

    /// Makes room for `fields` more field lines of `bytes` more bytes (names and values),
    /// so a series of `add` calls does not reallocate.
    public mutating func reserveCapacity(fields more: Int, bytes moreBytes: Int) {
        fields.reserveCapacity(fields.count + Swift.max(0, more))
        bytes.reserveCapacity(bytes.count + Swift.max(0, moreBytes))
    }

    /// Replaces every field line named `name` with one line carrying `value`.
    public mutating func set(name: String, value: String) {
        remove(name: name)
        add(name: name, value: value)
    }

    /// Removes every field line named `name`.
    public mutating func remove(name: String) {
        fields.removeAll { field in Self.equalsIgnoringCase(bytes, field.nameStart, field.nameLength, name) }
    }

    /// The name of the field line at `index` (0 ..< count).
    public func name(at index: Int) -> String {
        let f = fields[index]
        return String(decoding: bytes[Int(f.nameStart)..<Int(f.nameStart + f.nameLength)], as: UTF8.self)
    }

    /// The value of the field line at `index` (0 ..< count).
    public func value(at index: Int) -> String {
        let f = fields[index]
        return String(decoding: bytes[Int(f.valueStart)..<Int(f.valueStart + f.valueLength)], as: UTF8.self)
    }

    public func makeIterator() -> AnyIterator<(name: String, value: String)> {
        var i = 0
        return AnyIterator {
            guard i < self.fields.count else { return nil }
            defer { i += 1 }
            return (self.name(at: i), self.value(at: i))
        }
    }

    public var description: String {
        "[" + map { "\($0.name): \($0.value)" }.joined(separator: ", ") + "]"
    }

    // MARK: - Byte-level helpers

    func firstIndex(of name: String) -> Int? {
        fields.indices.first { nameEquals($0, name) }
    }

    func nameEquals(_ i: Int, _ name: String) -> Bool {
        Self.equalsIgnoringCase(bytes, fields[i].nameStart, fields[i].nameLength, name)
    }

    static func equalsIgnoringCase(_ bytes: [UInt8], _ start: UInt32, _ length: UInt32, _ name: String) -> Bool {
        var name = name
        return name.withUTF8 { n in
            guard n.count == Int(length) else { return false }
            var j = Int(start)
            for b in n {
                if HTTPByte.lower(bytes[j]) != HTTPByte.lower(b) { return false }
                j += 1
            }
            return true
        }
    }

    /// Index of the first field whose name equals `lowercased` (which must be lower-case ASCII).
    func firstIndex(lowercased: StaticString) -> Int? {
        let n = UnsafeBufferPointer(start: lowercased.utf8Start, count: lowercased.utf8CodeUnitCount)
        return bytes.withUnsafeBufferPointer { b in
            for (i, f) in fields.enumerated() where Int(f.nameLength) == n.count {
                var j = Int(f.nameStart)
                var equal = true
                for c in n {
                    if HTTPByte.lower(b[j]) != c { equal = false; break }
                    j += 1
                }
                if equal { return i }
            }
            return nil
        }
    }

    /// True when some field named `lowercased` lists `token` (case-insensitive) in its
    /// comma-separated value, e.g. `Connection: keep-alive, Upgrade` (RFC 9110 §5.6.1).
    func containsToken(_ token: StaticString, inField lowercased: StaticString) -> Bool {
        let name = UnsafeBufferPointer(start: lowercased.utf8Start, count: lowercased.utf8CodeUnitCount)
        let tok = UnsafeBufferPointer(start: token.utf8Start, count: token.utf8CodeUnitCount)
        return bytes.withUnsafeBufferPointer { b in
            for f in fields where Int(f.nameLength) == name.count {
                var j = Int(f.nameStart)
                var equal = true
                for c in name {
                    if HTTPByte.lower(b[j]) != c { equal = false; break }
                    j += 1
                }
                guard equal else { continue }
                var found = false
                Self.forEachListElement(b, Int(f.valueStart), Int(f.valueStart + f.valueLength)) { s, e in
                    guard e - s == tok.count else { return }
                    for k in 0..<tok.count where HTTPByte.lower(b[s + k]) != HTTPByte.lower(tok[k]) { return }
                    found = true
                }
                if found { return true }
            }
            return false
        }
    }

    /// Calls `body` with the trimmed bounds of each element of a comma-separated list.
    static func forEachListElement(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ body: (Int, Int) -> Void) {
        var s = start
        while s <= end {
            var e = s
            while e < end && b[e] != HTTPByte.comma { e += 1 }
            var ts = s
            var te = e
            while ts < te && (b[ts] == HTTPByte.sp || b[ts] == HTTPByte.htab) { ts += 1 }
            while te > ts && (b[te - 1] == HTTPByte.sp || b[te - 1] == HTTPByte.htab) { te -= 1 }
            if te > ts { body(ts, te) }
            s = e + 1
        }
    }

    mutating func append(nameBytes: some Collection<UInt8>, valueBytes: some Collection<UInt8>) {
        let nameStart = bytes.count
        bytes.append(contentsOf: nameBytes)
        let valueStart = bytes.count
        bytes.append(contentsOf: valueBytes)
        commitField(nameStart: nameStart, valueStart: valueStart)
    }

    /// Records the field line whose name and value were just appended to `bytes`.
    private mutating func commitField(nameStart: Int, valueStart: Int) {
        // Response headers beyond 4 GiB cannot be represented; drop rather than trap.
        guard bytes.count <= Int(UInt32.max) else {
            bytes.removeLast(bytes.count - nameStart)
            return
        }
        fields.append(Field(
            nameStart: UInt32(nameStart), nameLength: UInt32(valueStart - nameStart),
            valueStart: UInt32(valueStart), valueLength: UInt32(bytes.count - valueStart)))
    }

    /// Appends `name: value\r\n` for every field line to `out` (RFC 9112 §5).
    func write(to out: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { b in
            for f in fields {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[Int(f.nameStart)..<Int(f.nameStart + f.nameLength)]))
                out.append(HTTPByte.colon)
                out.append(HTTPByte.sp)
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[Int(f.valueStart)..<Int(f.valueStart + f.valueLength)]))
                out.append(HTTPByte.cr)
                out.append(HTTPByte.lf)
            }
        }
    }
}
