import Glibc

/// Writes response heads and chunk framing as bytes (RFC 9112 §4, §6, §7).
enum ResponseSerializer {
    /// `HTTP/1.1 <code> <reason>\r\n` for every registered status, indexed by code - 100.
    static let statusLines: [[UInt8]] = (100..<600).map { code in
        let phrase = HTTPStatus.defaultReasonPhrase(code)
        return phrase.isEmpty ? [] : Array("HTTP/1.1 \(code) \(phrase)\r\n".utf8)
    }

    static let continueResponse: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Appends the head of `response`. The version is always HTTP/1.1 (RFC 9110 §2.5: a
    /// server sends its highest version compatible with the request's major version).
    static func writeHead(
        _ response: Response, contentLength: Int?, chunked: Bool, close: Bool, http10KeepAlive: Bool,
        date: [UInt8], into out: inout [UInt8]
    ) {
        let status = response.status
        let index = status.code - 100
        if index >= 0 && index < statusLines.count && !statusLines[index].isEmpty
            && status.reasonPhrase == HTTPStatus.defaultReasonPhrase(status.code) {
            out.append(contentsOf: statusLines[index])
        } else {
            out.append(contentsOf: "HTTP/1.1 ".utf8)
            appendDecimal(max(100, min(999, status.code)), to: &out)
            out.append(HTTPByte.sp)
            out.append(contentsOf: status.reasonPhrase.utf8.filter { HTTPByte.isFieldValueChar($0) })
            out.append(contentsOf: "\r\n".utf8)
        }
        writeFields(response.headers, into: &out)
        if let contentLength {
            out.append(contentsOf: "Content-Length: ".utf8)
            appendDecimal(contentLength, to: &out)
            out.append(contentsOf: "\r\n".utf8)
        } else if chunked {
            out.append(contentsOf: "Transfer-Encoding: chunked\r\n".utf8)
        }
        out.append(contentsOf: date)
        if close {
            out.append(contentsOf: "Connection: close\r\n".utf8)
        } else if http10KeepAlive {
            out.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        out.append(contentsOf: "\r\n".utf8)
    }

    /// Appends the handler's fields, leaving out the framing and connection fields the
    /// server owns (Content-Length, Transfer-Encoding, Connection, Date).
    static func writeFields(_ headers: HTTPHeaders, into out: inout [UInt8]) {
        headers.bytes.withUnsafeBufferPointer { b in
            for f in headers.fields {
                let s = Int(f.nameStart)
                let owned: Bool
                switch f.nameLength {
                case 4: owned = HeadBuilder.nameIs(b, s, "date")
                case 10: owned = HeadBuilder.nameIs(b, s, "connection")
                case 14: owned = HeadBuilder.nameIs(b, s, "content-length")
                case 17: owned = HeadBuilder.nameIs(b, s, "transfer-encoding")
                default: owned = false
                }
                if owned { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[s..<(s + Int(f.nameLength))]))
                out.append(HTTPByte.colon)
                out.append(HTTPByte.sp)
                let vs = Int(f.valueStart)
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[vs..<(vs + Int(f.valueLength))]))
                out.append(HTTPByte.cr)
                out.append(HTTPByte.lf)
            }
        }
    }

    /// Appends one chunk: size in hex, CRLF, data, CRLF (RFC 9112 §7.1).
    static func writeChunk(_ data: [UInt8], into out: inout [UInt8]) {
        guard !data.isEmpty else { return }
        appendHex(data.count, to: &out)
        out.append(contentsOf: "\r\n".utf8)
        out.append(contentsOf: data)
        out.append(contentsOf: "\r\n".utf8)
    }

    /// Appends the last chunk and an empty trailer section.
    static func writeLastChunk(into out: inout [UInt8]) {
        out.append(contentsOf: "0\r\n\r\n".utf8)
    }

    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        var v = max(0, value)
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[19 - n] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
                v /= 10
                n += 1
            } while v > 0
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[(20 - n)...]))
        }
    }

    static func appendHex(_ value: Int, to out: inout [UInt8]) {
        let hex = String(value, radix: 16, uppercase: true)
        out.append(contentsOf: hex.utf8)
    }
}

/// The `Date` header line (RFC 9110 §6.6.1, IMF-fixdate), recomputed once per second.
struct DateCache {
    private(set) var line: [UInt8] = []
    private var second: Int = -1

    /// Refreshes the cached line if the wall-clock second changed.
    mutating func refresh() {
        var now = time(nil)
        guard now != second else { return }
        second = now
        var tm = Glibc.tm()
        gmtime_r(&now, &tm)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let text = "Date: \(days[Int(tm.tm_wday) % 7]), \(two(tm.tm_mday)) \(months[Int(tm.tm_mon) % 12]) \(tm.tm_year + 1900) "
            + "\(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec)) GMT\r\n"
        line = Array(text.utf8)
    }
}
