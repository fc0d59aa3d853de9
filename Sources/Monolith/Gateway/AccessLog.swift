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
    /// The route template (or `unmatched`) as a JSON string literal, quotes included.
    var routeJSON: [UInt8]
    var status: Int
    var bytesIn: Int?
    var bytesOut: Int?
    var durationMicros: UInt64
    var requestID: String
    var traceID: TraceID?
    var keyID: String?
    var model: String?
    var version: String?
    var client: SocketAddress?
}

/// Formats access-log lines as JSON objects, in the shape of `JSONLogHandler`'s records:
/// `{"ts":…,"level":"info","logger":"monolith.access","msg":"request","http.method":…}`.
enum AccessLogFormat {
    /// The longest line: every field is bounded (ids by HTTPKit, names by the registry;
    /// free text is cut at `maxStringBytes`), so a line always fits this.
    static let maxLineBytes = 8192
    static let maxStringBytes = 1024

    /// Writes the line of `r` into `w`; the time is `secondPrefix` (see `secondPrefix(_:)`)
    /// plus `millis` and `Z`.
    static func write(_ r: AccessRecord, level: Logger.Level, secondPrefix: [UInt8], millis: Int, into w: inout LineWriter) {
        w.write(#"{"ts":""#)
        w.write(secondPrefix)
        w.byte(UInt8(truncatingIfNeeded: 0x30 + millis / 100 % 10))
        w.byte(UInt8(truncatingIfNeeded: 0x30 + millis / 10 % 10))
        w.byte(UInt8(truncatingIfNeeded: 0x30 + millis % 10))
        w.write(level == .error ? #"Z","level":"error","# : #"Z","level":"info","#)
        w.write(#""logger":"monolith.access","msg":"request","http.method":"#)
        w.string(r.method.rawValue)
        w.write(#","http.route":"#)
        w.write(r.routeJSON)
        w.write(#","http.status":"#)
        w.decimal(UInt64(max(0, r.status)))
        w.write(#","http.bytes_in":"#)
        w.optionalDecimal(r.bytesIn)
        w.write(#","http.bytes_out":"#)
        w.optionalDecimal(r.bytesOut)
        w.write(#","duration_us":"#)
        w.decimal(r.durationMicros)
        w.write(#","request.id":"#)
        w.string(r.requestID)
        if let traceID = r.traceID {
            w.write(#","trace.id":""#)
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { hex in
                traceID.write(into: hex)
                w.write(UnsafeBufferPointer(hex))
            }
            w.byte(0x22)
        }
        if let keyID = r.keyID {
            w.write(#","key.id":"#)
            w.string(keyID)
        }
        if let model = r.model {
            w.write(#","model.name":"#)
            w.string(model)
        }
        if let version = r.version {
            w.write(#","model.version":"#)
            w.string(version)
        }
        if let client = r.client {
            w.write(#","client.address":""#)
            address(client, &w)
            w.byte(0x22)
        }
        w.write("}\n")
    }

    /// `s` as a JSON string literal.
    static func literal(_ s: String) -> [UInt8] {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxStringBytes * 6 + 2) { buffer in
            guard let base = buffer.baseAddress else { return [] }
            var w = LineWriter(base, capacity: buffer.count)
            w.string(s)
            return Array(UnsafeBufferPointer(start: base, count: w.count))
        }
    }

    /// `127.0.0.1` or `::1` (IPv6 groups in hex, uncompressed like `SocketAddress.host`).
    static func address(_ a: SocketAddress, _ w: inout LineWriter) {
        if let v4 = a.ipv4 {
            w.decimal(UInt64(v4 >> 24)); w.byte(0x2E)
            w.decimal(UInt64(v4 >> 16 & 0xFF)); w.byte(0x2E)
            w.decimal(UInt64(v4 >> 8 & 0xFF)); w.byte(0x2E)
            w.decimal(UInt64(v4 & 0xFF))
        } else {
            var host = a.host
            host.withUTF8 { w.write($0) }
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
        let year = max(0, min(9999, Int(tm.tm_year) + 1900))
        out.append(UInt8(0x30 + year / 1000)); out.append(UInt8(0x30 + year / 100 % 10))
        out.append(UInt8(0x30 + year / 10 % 10)); out.append(UInt8(0x30 + year % 10))
        out.append(0x2D); two(tm.tm_mon + 1); out.append(0x2D); two(tm.tm_mday)
        out.append(0x54); two(tm.tm_hour); out.append(0x3A); two(tm.tm_min); out.append(0x3A); two(tm.tm_sec)
        out.append(0x2E)
        return out
    }
}

/// Writes a line into a fixed buffer with `memcpy`s; past the capacity it stops writing
/// and marks itself `overflowed` (the caller drops the line rather than emit broken JSON).
struct LineWriter {
    private let base: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private(set) var count = 0
    private(set) var overflowed = false

    init(_ base: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    @inline(__always)
    mutating func write(_ s: StaticString) {
        write(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    @inline(__always)
    mutating func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { write($0) }
    }

    @inline(__always)
    mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        guard bytes.count <= capacity - count else {
            overflowed = true
            return
        }
        (base + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    @inline(__always)
    mutating func byte(_ b: UInt8) {
        guard count < capacity else {
            overflowed = true
            return
        }
        base[count] = b
        count += 1
    }

    mutating func decimal(_ value: UInt64) {
        var digits = 1
        var limit: UInt64 = 10
        while digits < 20 && value >= limit {
            digits += 1
            limit = limit &* 10
        }
        guard digits <= capacity - count else {
            overflowed = true
            return
        }
        var v = value
        var i = count + digits
        while i > count {
            i -= 1
            base[i] = UInt8(truncatingIfNeeded: 0x30 &+ v % 10)
            v /= 10
        }
        count += digits
    }

    mutating func optionalDecimal(_ v: Int?) {
        if let v, v >= 0 { decimal(UInt64(v)) } else { write("null") }
    }

    /// A JSON string (RFC 8259 §7), at most `AccessLogFormat.maxStringBytes` of `s`: quotes,
    /// backslash and control characters escaped. Most values (ids, names) need none and
    /// are copied whole.
    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { all in
            var cut = min(all.count, AccessLogFormat.maxStringBytes)
            // Never cut inside a UTF-8 sequence: back up to the start of a character.
            while cut < all.count && cut > 0 && all[cut] & 0xC0 == 0x80 { cut -= 1 }
            let u = UnsafeBufferPointer(rebasing: all[0..<cut])
            byte(0x22)
            if !u.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
                write(u)
            } else {
                for b in u {
                    switch b {
                    case 0x22: write(#"\""#)
                    case 0x5C: write(#"\\"#)
                    case 0x0A: write(#"\n"#)
                    case 0x0D: write(#"\r"#)
                    case 0x09: write(#"\t"#)
                    case 0..<0x20:
                        write(#"\u00"#)
                        byte(TraceID.hexDigit(UInt64(b >> 4)))
                        byte(TraceID.hexDigit(UInt64(b & 0xF)))
                    default: byte(b)
                    }
                }
            }
            byte(0x22)
        }
    }
}
