/// Turns the bytes of a complete head into a validated `RequestHead` (RFC 9112 §3, §5, §6).
enum HeadBuilder {
    /// Parses `p`, which holds exactly the request line, the field lines and the empty line.
    static func build(_ p: UnsafeRawBufferPointer, fieldCount: Int, limits: HTTPLimits) throws(HTTPParserError) -> RequestHead {
        guard let lf = HTTPRequestParser.findLF(p, from: 0) else { throw .invalidRequestLine }
        let lineEnd = lf > 0 && p[lf - 1] == HTTPByte.cr ? lf - 1 : lf

        // method SP request-target SP HTTP-version (RFC 9112 §3): single spaces, nothing else.
        var i = 0
        while i < lineEnd && HTTPByte.isTokenChar(p[i]) { i += 1 }
        guard i < lineEnd else { throw i == 0 ? .invalidMethod : .invalidRequestLine }
        guard p[i] == HTTPByte.sp else {
            throw p[i] == HTTPByte.cr ? .bareCR : (i == 0 ? .invalidMethod : .invalidRequestLine)
        }
        guard i > 0 else { throw .invalidMethod }
        let method = HTTPMethod(bytes: UnsafeRawBufferPointer(rebasing: p[0..<i]))
        let targetStart = i + 1
        var j = targetStart
        while j < lineEnd && HTTPByte.isTargetChar(p[j]) { j += 1 }
        guard j - targetStart <= limits.maxRequestTargetLength else { throw .targetTooLong }
        guard j < lineEnd, j > targetStart else { throw j < lineEnd && p[j] == HTTPByte.cr ? .bareCR : .invalidRequestLine }
        guard p[j] == HTTPByte.sp else { throw p[j] == HTTPByte.cr ? .bareCR : .invalidTarget }
        let version = try parseVersion(UnsafeRawBufferPointer(rebasing: p[(j + 1)..<lineEnd]))
        let target = UnsafeRawBufferPointer(rebasing: p[targetStart..<j])

        let headers = try parseFields(UnsafeRawBufferPointer(rebasing: p[(lf + 1)...]), count: fieldCount)
        var head = RequestHead(method: method, target: "", path: "", query: nil, version: version, headers: headers)
        try splitTarget(target, method: method, into: &head)
        try applyFieldSemantics(&head, limits: limits)
        return head
    }

    /// `HTTP/` DIGIT `.` DIGIT, case-sensitive (RFC 9112 §2.3); only 1.0 and 1.1 are served.
    static func parseVersion(_ v: UnsafeRawBufferPointer) throws(HTTPParserError) -> HTTPVersion {
        guard v.count == 8, v[0] == 0x48, v[1] == 0x54, v[2] == 0x54, v[3] == 0x50, v[4] == HTTPByte.slash,
              v[6] == 0x2E, (0x30...0x39).contains(v[5]), (0x30...0x39).contains(v[7])
        else {
            if v.contains(HTTPByte.cr) { throw .bareCR }
            throw .invalidVersion
        }
        let major = Int(v[5] - 0x30), minor = Int(v[7] - 0x30)
        guard major == 1, minor <= 1 else { throw .unsupportedVersion }
        return minor == 1 ? .http1_1 : .http1_0
    }

    /// Parses `count` field lines followed by the empty line (RFC 9112 §5), rejecting obs-fold,
    /// whitespace before the colon, bare CR and invalid characters.
    static func parseFields(_ p: UnsafeRawBufferPointer, count: Int) throws(HTTPParserError) -> HTTPHeaders {
        guard count > 0 else { return HTTPHeaders() }
        // Offsets are stored as UInt32; only a misconfigured limit could exceed them.
        guard p.count <= Int(UInt32.max) else { throw .headTooLarge }
        var fields: [HTTPHeaders.Field] = []
        fields.reserveCapacity(count)
        var s = 0
        while fields.count < count {
            guard let lf = HTTPRequestParser.findLF(p, from: s) else { throw .invalidFieldName }
            let e = lf > s && p[lf - 1] == HTTPByte.cr ? lf - 1 : lf
            guard e > s else { throw .invalidFieldName }
            let first = p[s]
            // RFC 9112 §5.2: obs-fold in a request MUST be rejected (or replaced); we reject.
            if first == HTTPByte.sp || first == HTTPByte.htab { throw .obsFold }
            var i = s
            while i < e && HTTPByte.isTokenChar(p[i]) { i += 1 }
            guard i < e else { throw .invalidFieldName }
            let b = p[i]
            if b != HTTPByte.colon {
                // RFC 9112 §5.1: whitespace between name and colon MUST be rejected with 400.
                if b == HTTPByte.sp || b == HTTPByte.htab { throw .whitespaceBeforeColon }
                if b == HTTPByte.cr { throw .bareCR }
                throw .invalidFieldName
            }
            guard i > s else { throw .invalidFieldName }
            var vs = i + 1
            var ve = e
            while vs < ve && (p[vs] == HTTPByte.sp || p[vs] == HTTPByte.htab) { vs += 1 }
            while ve > vs && (p[ve - 1] == HTTPByte.sp || p[ve - 1] == HTTPByte.htab) { ve -= 1 }
            var k = vs
            while k < ve {
                let c = p[k]
                if !HTTPByte.isFieldValueChar(c) { throw c == HTTPByte.cr ? .bareCR : .invalidFieldValue }
                k += 1
            }
            fields.append(HTTPHeaders.Field(
                nameStart: UInt32(s), nameLength: UInt32(i - s), valueStart: UInt32(vs), valueLength: UInt32(ve - vs)))
            s = lf + 1
        }
        return HTTPHeaders(bytes: Array(UnsafeRawBufferPointer(rebasing: p[0..<s])), fields: fields)
    }

    /// Splits origin-form, absolute-form, asterisk-form and authority-form (RFC 9112 §3.2).
    static func splitTarget(_ t: UnsafeRawBufferPointer, method: HTTPMethod, into head: inout RequestHead) throws(HTTPParserError) {
        let target = String(decoding: t, as: UTF8.self)
        head.target = target
        var pathStart: Int
        if t[0] == HTTPByte.slash {
            pathStart = 0
        } else if t.count == 1 && t[0] == 0x2A {
            guard method == .options else { throw .invalidTarget }
            head.path = "*"
            return
        } else if let authorityStart = absoluteFormAuthorityStart(t) {
            pathStart = authorityStart
            while pathStart < t.count && t[pathStart] != HTTPByte.slash && t[pathStart] != HTTPByte.question && t[pathStart] != 0x23 {
                pathStart += 1
            }
            guard pathStart > authorityStart else { throw .invalidTarget }
        } else if method == .connect {
            head.path = ""
            return
        } else {
            throw .invalidTarget
        }
        var pathEnd = pathStart
        while pathEnd < t.count && t[pathEnd] != HTTPByte.question && t[pathEnd] != 0x23 { pathEnd += 1 }
        try validatePercentEncoding(t, pathStart, pathEnd)
        if pathStart == 0 && pathEnd == t.count {
            head.path = target
        } else if pathStart == pathEnd {
            head.path = "/"
        } else {
            head.path = String(decoding: UnsafeRawBufferPointer(rebasing: t[pathStart..<pathEnd]), as: UTF8.self)
        }
        if pathEnd < t.count && t[pathEnd] == HTTPByte.question {
            var queryEnd = pathEnd + 1
            while queryEnd < t.count && t[queryEnd] != 0x23 { queryEnd += 1 }
            head.query = String(decoding: UnsafeRawBufferPointer(rebasing: t[(pathEnd + 1)..<queryEnd]), as: UTF8.self)
        }
    }

    /// For `http://authority/...` or `https://...` (scheme case-insensitive), where the authority begins.
    static func absoluteFormAuthorityStart(_ t: UnsafeRawBufferPointer) -> Int? {
        func hasPrefix(_ s: StaticString) -> Bool {
            guard t.count >= s.utf8CodeUnitCount else { return false }
            for k in 0..<s.utf8CodeUnitCount where HTTPByte.lower(t[k]) != s.utf8Start[k] { return false }
            return true
        }
        if hasPrefix("http://") { return 7 }
        if hasPrefix("https://") { return 8 }
        return nil
    }

    static func validatePercentEncoding(_ t: UnsafeRawBufferPointer, _ start: Int, _ end: Int) throws(HTTPParserError) {
        var i = start
        while i < end {
            if t[i] == HTTPByte.percent {
                guard i + 2 < end, HTTPByte.hexValue(t[i + 1]) != nil, HTTPByte.hexValue(t[i + 2]) != nil else {
                    throw .invalidPercentEncoding
                }
                i += 3
            } else {
                i += 1
            }
        }
    }
}
