import Glibc
import HTTPKit
import Synchronization

/// One thread's pending access-log lines. The owning thread appends under a lock nobody
/// else takes except the flusher (every 100 ms), so there is no lock convoy between loops;
/// a full buffer is written by its owner at once.
final class AccessLogBuffer: Sendable {
    /// Bytes above which the owner writes its buffer itself instead of waiting for the flusher.
    static let highWater = 64 * 1024

    fileprivate struct State {
        var current: [UInt8] = []
        var spare: [UInt8]?

        mutating func swapOut() -> [UInt8] {
            var next = spare ?? []
            spare = nil
            if next.capacity < AccessLogBuffer.highWater { next.reserveCapacity(AccessLogBuffer.highWater + 4096) }
            swap(&current, &next)
            return next
        }
    }

    private let state = Mutex(State())

    init() {
        state.withLock { $0.current.reserveCapacity(Self.highWater + 4096) }
    }

    /// Appends with `build`; returns a full buffer for the caller to write, if any.
    @inline(__always)
    func append(_ build: (inout [UInt8]) -> Void) -> [UInt8]? {
        state.withLock { (state: inout State) -> [UInt8]? in
            build(&state.current)
            guard state.current.count >= Self.highWater else { return nil }
            return state.swapOut()
        }
    }

    /// Takes everything pending (the flusher), or nil when empty.
    func take() -> [UInt8]? {
        state.withLock { (state: inout State) -> [UInt8]? in state.current.isEmpty ? nil : state.swapOut() }
    }

    /// Returns a written buffer for reuse.
    func recycle(_ buffer: [UInt8]) {
        var buffer = buffer
        buffer.removeAll(keepingCapacity: true)
        state.withLock { state in if state.spare == nil { state.spare = buffer } }
    }
}

/// Writes whole access-log lines to a file descriptor (stdout).
///
/// To a pipe (`docker logs`, systemd) a write of at most PIPE_BUF bytes is atomic
/// (pipe(7)), so buffers are written in chunks cut at line ends below 4096 bytes: lines of
/// different threads never interleave. To a file or /dev/null, one write per buffer.
struct AccessLogSink: Sendable {
    let fileDescriptor: Int32
    let chunkLimit: Int

    init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
        var info = stat()
        let isStream = fstat(fileDescriptor, &info) != 0
            || (info.st_mode & S_IFMT) == S_IFIFO || (info.st_mode & S_IFMT) == S_IFSOCK || (info.st_mode & S_IFMT) == S_IFCHR
        // Character devices: a terminal interleaves like a pipe; /dev/null does not care.
        chunkLimit = isStream ? 4096 : Int.max  // PIPE_BUF on Linux
    }

    func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { p in
            guard let base = p.baseAddress else { return }
            var start = 0
            while start < p.count {
                var end = p.count
                if end - start > chunkLimit {
                    // The last line end within the limit; a longer single line goes alone.
                    end = start + chunkLimit
                    while end > start && p[end - 1] != 0x0A { end -= 1 }
                    if end == start {
                        end = start + chunkLimit
                        while end < p.count && p[end - 1] != 0x0A { end += 1 }
                    }
                }
                writeAll(base + start, end - start)
                start = end
            }
        }
    }

    private func writeAll(_ pointer: UnsafeRawPointer, _ count: Int) {
        var base = pointer
        var left = count
        while left > 0 {
            let n = Glibc.write(fileDescriptor, base, left)
            if n < 0 {
                if errno == EINTR { continue }
                return  // a closed or full log must never stop serving
            }
            left -= n
            base += n
        }
    }
}

/// The fields of one access-log line.
struct AccessRecord {
    var method: HTTPMethod
    var route: String
    var status: Int
    var bytesIn: Int?
    var bytesOut: Int?
    var durationMicros: UInt64
    var requestID: String
    var traceID: String?
    var keyID: String?
    var model: String?
    var version: String?
    var client: SocketAddress?
}

/// Formats access-log lines as JSON objects, in the shape of `JSONLogHandler`'s records:
/// `{"ts":…,"level":"info","logger":"monolith.access","msg":"request","http.method":…}`.
enum AccessLogFormat {
    /// Appends the line of `r`; the time is `secondPrefix` (see `secondPrefix(_:)`) plus
    /// `millis` and `Z`.
    static func append(_ r: AccessRecord, level: Logger.Level, secondPrefix: [UInt8], millis: Int, into out: inout [UInt8]) {
        out.append(contentsOf: #"{"ts":""#.utf8)
        out.append(contentsOf: secondPrefix)
        out.append(UInt8(truncatingIfNeeded: 0x30 + millis / 100 % 10))
        out.append(UInt8(truncatingIfNeeded: 0x30 + millis / 10 % 10))
        out.append(UInt8(truncatingIfNeeded: 0x30 + millis % 10))
        out.append(0x5A)
        out.append(contentsOf: #"","level":""#.utf8)
        out.append(contentsOf: level.description.utf8)
        out.append(contentsOf: #"","logger":"monolith.access","msg":"request","http.method":"#.utf8)
        string(r.method.rawValue, &out)
        out.append(contentsOf: #","http.route":"#.utf8)
        string(r.route, &out)
        out.append(contentsOf: #","http.status":"#.utf8)
        decimal(UInt64(max(0, r.status)), &out)
        out.append(contentsOf: #","http.bytes_in":"#.utf8)
        optionalDecimal(r.bytesIn, &out)
        out.append(contentsOf: #","http.bytes_out":"#.utf8)
        optionalDecimal(r.bytesOut, &out)
        out.append(contentsOf: #","duration_us":"#.utf8)
        decimal(r.durationMicros, &out)
        out.append(contentsOf: #","request.id":"#.utf8)
        string(r.requestID, &out)
        if let traceID = r.traceID {
            out.append(contentsOf: #","trace.id":"#.utf8)
            string(traceID, &out)
        }
        if let keyID = r.keyID {
            out.append(contentsOf: #","key.id":"#.utf8)
            string(keyID, &out)
        }
        if let model = r.model {
            out.append(contentsOf: #","model.name":"#.utf8)
            string(model, &out)
        }
        if let version = r.version {
            out.append(contentsOf: #","model.version":"#.utf8)
            string(version, &out)
        }
        if let client = r.client {
            out.append(contentsOf: #","client.address":""#.utf8)
            address(client, &out)
            out.append(0x22)
        }
        out.append(contentsOf: "}\n".utf8)
    }

    /// A JSON string (RFC 8259 §7): quotes, backslash and control characters escaped.
    static func string(_ s: String, _ out: inout [UInt8]) {
        out.append(0x22)
        for b in s.utf8 {
            switch b {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(0x6E)
            case 0x0D: out.append(0x5C); out.append(0x72)
            case 0x09: out.append(0x5C); out.append(0x74)
            case 0..<0x20:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(TraceContext.digits[Int(b >> 4)])
                out.append(TraceContext.digits[Int(b & 0xF)])
            default: out.append(b)
            }
        }
        out.append(0x22)
    }

    static func optionalDecimal(_ v: Int?, _ out: inout [UInt8]) {
        if let v, v >= 0 { decimal(UInt64(v), &out) } else { out.append(contentsOf: "null".utf8) }
    }

    static func decimal(_ value: UInt64, _ out: inout [UInt8]) {
        var v = value
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
            out.append(contentsOf: d[(20 - n)...])
        }
    }

    /// `127.0.0.1` or `::1` (IPv6 groups in hex, uncompressed like `SocketAddress.host`).
    static func address(_ a: SocketAddress, _ out: inout [UInt8]) {
        if let v4 = a.ipv4 {
            decimal(UInt64(v4 >> 24), &out); out.append(0x2E)
            decimal(UInt64(v4 >> 16 & 0xFF), &out); out.append(0x2E)
            decimal(UInt64(v4 >> 8 & 0xFF), &out); out.append(0x2E)
            decimal(UInt64(v4 & 0xFF), &out)
        } else {
            out.append(contentsOf: a.host.utf8)
        }
    }

    /// `2025-01-31T12:00:00.` for a wall-clock second (UTC), computed once per second per thread.
    static func secondPrefix(_ second: Int) -> [UInt8] {
        var t = second
        var tm = Glibc.tm()
        gmtime_r(&t, &tm)
        var out: [UInt8] = []
        out.reserveCapacity(24)
        func two(_ v: Int32) { out.append(UInt8(0x30 + v / 10 % 10)); out.append(UInt8(0x30 + v % 10)) }
        let year = Int(tm.tm_year) + 1900
        decimal(UInt64(max(0, year)), &out)
        out.append(0x2D); two(tm.tm_mon + 1); out.append(0x2D); two(tm.tm_mday)
        out.append(0x54); two(tm.tm_hour); out.append(0x3A); two(tm.tm_min); out.append(0x3A); two(tm.tm_sec)
        out.append(0x2E)
        return out
    }
}
