/// A minimal blocking HTTP/1.1 client over `BlockingTCPSocket`: one request per
/// connection (`Connection: close`), for `monolith healthcheck` and tests.
public enum BlockingHTTPClient {
    /// A received response.
    public struct Response: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        public var body: [UInt8]
        public var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    /// The response could not be read.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Sends one request and reads the whole response within `timeout` per socket operation.
    public static func request(
        host: String = "127.0.0.1", port: Int, method: String = "GET", path: String,
        headers: [(String, String)] = [], body: [UInt8] = [], timeout: Duration = .seconds(2)
    ) throws -> Response {
        let socket = try BlockingTCPSocket(host: host, port: port, timeout: timeout)
        var text = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" { text += "Content-Length: \(body.count)\r\n" }
        text += "\r\n"
        try socket.send(Array(text.utf8) + body)
        let raw = try socket.receiveUntilClose()
        guard let response = parse(raw) else { throw Failure(description: "malformed response") }
        return response
    }

    /// Parses one complete response (Content-Length, chunked, or delimited by close).
    public static func parse(_ raw: [UInt8]) -> Response? {
        guard let end = headEnd(raw), var response = parseHead(raw[0..<end]) else { return nil }
        let headers = response.headers
        var body = Array(raw[(end + 4)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            guard let decoded = dechunk(body) else { return nil }
            body = decoded
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            guard body.count >= length else { return nil }
            body = Array(body[0..<length])
        }
        response.body = body
        return response
    }

    /// Parses a status line and header fields (without the final CRLF CRLF); the body is empty.
    public static func parseHead(_ raw: ArraySlice<UInt8>) -> Response? {
        let headText = String(decoding: raw, as: UTF8.self)
        var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        guard !lines.isEmpty else { return nil }
        let statusParts = lines.removeFirst().split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else { return nil }
        var headers = HTTPHeaders()
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            headers.add(name: String(line[..<colon]), value: line[line.index(after: colon)...].trimmingSpaces())
        }
        return Response(status: status, headers: headers, body: [])
    }

    /// The index of the CRLF CRLF ending a head, or nil.
    public static func headEnd(_ raw: [UInt8]) -> Int? {
        guard raw.count >= 4 else { return nil }
        for i in 0...(raw.count - 4) where raw[i] == 13 && raw[i + 1] == 10 && raw[i + 2] == 13 && raw[i + 3] == 10 {
            return i
        }
        return nil
    }

    static func dechunk(_ data: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var i = 0
        while true {
            guard let lineEnd = (i..<max(i, data.count - 1)).first(where: { data[$0] == 13 && data[$0 + 1] == 10 }) else { return nil }
            let sizeText = String(decoding: data[i..<lineEnd], as: UTF8.self).split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingSpaces(), radix: 16), size >= 0 else { return nil }
            i = lineEnd + 2
            if size == 0 { return out }
            guard size <= data.count - i else { return nil }
            out.append(contentsOf: data[i..<(i + size)])
            i += size + 2
        }
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}
