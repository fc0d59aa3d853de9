/// Percent-decoding of path segments and query components (RFC 3986 §2.1, WHATWG urlencoded).
public enum PercentDecoding {
    /// Decodes `%XX` escapes; an invalid escape is kept literally. With `plusAsSpace`,
    /// `+` becomes a space (application/x-www-form-urlencoded). Invalid UTF-8 becomes U+FFFD.
    public static func decode(_ bytes: some Collection<UInt8>, plusAsSpace: Bool = false) -> String {
        var needsWork = false
        for b in bytes where b == HTTPByte.percent || (plusAsSpace && b == 0x2B) {
            needsWork = true
            break
        }
        guard needsWork else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i != bytes.endIndex {
            let b = bytes[i]
            if b == HTTPByte.percent {
                let i1 = bytes.index(after: i)
                if i1 != bytes.endIndex {
                    let i2 = bytes.index(after: i1)
                    if i2 != bytes.endIndex, let hi = HTTPByte.hexValue(bytes[i1]), let lo = HTTPByte.hexValue(bytes[i2]) {
                        out.append(hi << 4 | lo)
                        i = bytes.index(after: i2)
                        continue
                    }
                }
                out.append(b)
            } else if plusAsSpace && b == 0x2B {
                out.append(HTTPByte.sp)
            } else {
                out.append(b)
            }
            i = bytes.index(after: i)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Splits an encoded absolute path into decoded segments: `/a/b%2Fc` → `["a", "b/c"]`,
    /// `/` → `[]`, `/a/` → `["a", ""]`. Decoding per segment keeps `%2F` inside a segment.
    public static func pathSegments(_ path: String) -> [String] {
        let utf8 = Array(path.utf8)
        guard utf8.first == HTTPByte.slash else { return utf8.isEmpty ? [] : [decode(utf8)] }
        if utf8.count == 1 { return [] }
        return utf8[1...].split(separator: HTTPByte.slash, omittingEmptySubsequences: false).map { decode($0) }
    }
}
