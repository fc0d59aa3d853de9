extension HeadBuilder {
    /// Derives framing, persistence and expectations from the fields and rejects the
    /// request-smuggling vectors of RFC 9112 §6.3 and §11.2.
    static func applyFieldSemantics(_ head: inout RequestHead, limits: HTTPLimits) throws(HTTPParserError) {
        var contentLength: Int?
        var hasTransferEncoding = false
        var chunkedIsFinal = false
        var codingCount = 0
        var hostCount = 0
        var expectation = Expectation.none
        let version = head.version

        try head.headers.bytes.withUnsafeBufferPointer { (b: UnsafeBufferPointer<UInt8>) throws(HTTPParserError) in
            for f in head.headers.fields {
                let ns = Int(f.nameStart), vs = Int(f.valueStart), ve = Int(f.valueStart + f.valueLength)
                switch f.nameLength {
                case 4 where nameIs(b, ns, "host"):
                    hostCount += 1
                    guard hostCount == 1, isValidHost(b, vs, ve) else { throw .invalidHost }
                case 6 where nameIs(b, ns, "expect"):
                    expectation = expectation.merging(b, vs, ve)
                case 14 where nameIs(b, ns, "content-length"):
                    // RFC 9110 §8.6: a list of identical values may be taken as one value;
                    // differing values are a smuggling vector.
                    // Unlike other lists, an empty element is refused: "3," is not a length.
                    var s = vs
                    while true {
                        var e = s
                        while e < ve && b[e] != HTTPByte.comma { e += 1 }
                        var ts = s, te = e
                        while ts < te && (b[ts] == HTTPByte.sp || b[ts] == HTTPByte.htab) { ts += 1 }
                        while te > ts && (b[te - 1] == HTTPByte.sp || b[te - 1] == HTTPByte.htab) { te -= 1 }
                        guard let n = parseDecimal(b, ts, te) else { throw .invalidContentLength }
                        if let previous = contentLength, previous != n { throw .differentContentLengths }
                        contentLength = n
                        guard e < ve else { break }
                        s = e + 1
                    }
                case 17 where nameIs(b, ns, "transfer-encoding"):
                    hasTransferEncoding = true
                    HTTPHeaders.forEachListElement(b, vs, ve) { s, e in
                        codingCount += 1
                        chunkedIsFinal = e - s == 7 && nameIs(b, s, "chunked")
                    }
                default:
                    continue
                }
            }
        }

        if hasTransferEncoding {
            // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
            guard version == .http1_1 else { throw .transferEncodingInHTTP10 }
            // RFC 9112 §6.3 (3): both present is a smuggling attempt; we reject it.
            guard contentLength == nil else { throw .contentLengthWithTransferEncoding }
            // Only a lone final "chunked" is served: any other coding (or chunked applied
            // twice) leaves the body length undeterminable for us (RFC 9112 §6.3 (4)).
            guard chunkedIsFinal, codingCount == 1 else { throw .unsupportedTransferCoding }
            head.framing = .chunked
        } else if let contentLength {
            head.framing = .length(contentLength)
        } else {
            head.framing = .none
        }

        if version == .http1_1 && limits.requireHost && hostCount == 0 { throw .missingHost }

        let close = head.headers.containsToken("close", inField: "connection")
        if version == .http1_1 {
            head.keepAlive = !close
            // RFC 9110 §10.1.1: ignore 100-continue in HTTP/1.0 requests.
            switch expectation {
            case .none: head.expectsContinue = false
            case .continue: head.expectsContinue = true
            case .other: throw .unsupportedExpectation
            }
        } else {
            head.keepAlive = !close && head.headers.containsToken("keep-alive", inField: "connection")
            head.expectsContinue = false
        }
    }

    enum Expectation {
        case none, `continue`, other

        func merging(_ b: UnsafeBufferPointer<UInt8>, _ vs: Int, _ ve: Int) -> Expectation {
            var result = self
            HTTPHeaders.forEachListElement(b, vs, ve) { s, e in
                let isContinue = e - s == 12 && nameIs(b, s, "100-continue")
                if !isContinue { result = .other } else if case .none = result { result = .continue }
            }
            return result
        }
    }

    /// Compares lower-cased bytes at `start` with a lower-case ASCII literal.
    @inline(__always)
    static func nameIs(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ lowercased: StaticString) -> Bool {
        let n = lowercased.utf8CodeUnitCount
        guard start + n <= b.count else { return false }
        let q = lowercased.utf8Start
        for k in 0..<n where HTTPByte.lower(b[start + k]) != q[k] { return false }
        return true
    }

    /// 1*DIGIT that fits an Int (18 digits), else nil.
    static func parseDecimal(_ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Int? {
        guard e > s, e - s <= 18 else { return nil }
        var n = 0
        for k in s..<e {
            let d = b[k] &- 0x30
            guard d < 10 else { return nil }
            n = n * 10 + Int(d)
        }
        return n
    }

    /// uri-host [":" port] (RFC 9110 §7.2): reg-name, IP-literal in brackets, pct-encoded.
    static func isValidHost(_ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
        for k in s..<e {
            switch b[k] {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: continue
            case 0x2D, 0x2E, 0x5F, 0x7E, 0x21, 0x24, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x3B, 0x3D: continue  // unreserved, sub-delims
            case 0x3A, 0x5B, 0x5D, 0x25: continue  // ":" "[" "]" "%"
            default: return false
            }
        }
        return true
    }
}
