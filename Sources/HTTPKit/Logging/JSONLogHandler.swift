import Glibc

/// Writes each record as one JSON object per line (JSON Lines) to a file descriptor.
///
/// `{"ts":"2025-01-31T12:00:00.123Z","level":"info","logger":"monolith","msg":"…","request.id":"…"}`
/// One `write(2)` per line and no lock: lines up to PIPE_BUF bytes are written atomically,
/// so concurrent loops never interleave within a line.
public struct JSONLogHandler: LogHandler {
    public let fileDescriptor: Int32

    /// Creates a handler writing to `fileDescriptor` (stdout by default).
    public init(fileDescriptor: Int32 = 1) {
        self.fileDescriptor = fileDescriptor
    }

    public func log(_ record: LogRecord) {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        Self.format(record, into: &out)
        out.append(0x0A)
        LogOutput.write(out, to: fileDescriptor)
    }

    /// Appends the JSON object of `record` (without the newline).
    public static func format(_ record: LogRecord, into out: inout [UInt8]) {
        var json = JSONWriter()
        json.beginObject()
        json.key("ts")
        json.string(LogTimestamp.now())
        json.key("level")
        json.string(record.level.description)
        json.key("logger")
        json.string(record.label)
        json.key("msg")
        json.string(record.message.value)
        for (key, value) in record.metadata {
            json.key(key)
            write(value, to: &json)
        }
        json.endObject()
        out.append(contentsOf: json.bytes)
    }

    static func write(_ value: Logger.MetadataValue, to json: inout JSONWriter) {
        switch value {
        case .string(let s): json.string(s)
        case .int(let i): json.number(i)
        case .double(let d): json.number(d)
        case .bool(let b): json.bool(b)
        case .array(let a):
            json.beginArray()
            for v in a { write(v, to: &json) }
            json.endArray()
        }
    }
}

/// Writes human-readable lines: `2025-01-31T12:00:00.123Z info monolith: message key=value`.
public struct TextLogHandler: LogHandler {
    public let fileDescriptor: Int32

    public init(fileDescriptor: Int32 = 1) {
        self.fileDescriptor = fileDescriptor
    }

    public func log(_ record: LogRecord) {
        var line = "\(LogTimestamp.now()) \(record.level) \(record.label): \(record.message.value)"
        for (key, value) in record.metadata { line += " \(key)=\(value)" }
        line += "\n"
        LogOutput.write(Array(line.utf8), to: fileDescriptor)
    }
}

enum LogOutput {
    /// Writes all of `bytes`, retrying on EINTR and short writes; drops the rest on error.
    static func write(_ bytes: [UInt8], to fd: Int32) {
        bytes.withUnsafeBytes { p in
            guard var base = p.baseAddress else { return }
            var left = p.count
            while left > 0 {
                let n = Glibc.write(fd, base, left)
                if n < 0 {
                    if errno == EINTR { continue }
                    return
                }
                left -= n
                base += n
            }
        }
    }
}

/// RFC 3339 UTC timestamps with milliseconds, without Foundation.
public enum LogTimestamp {
    /// The current wall-clock time, e.g. `2025-01-31T12:00:00.123Z`.
    public static func now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = ts.tv_sec
        var tm = Glibc.tm()
        gmtime_r(&t, &tm)
        var out: [UInt8] = []
        out.reserveCapacity(24)
        func digits(_ v: Int, _ n: Int) {
            var d = [UInt8](repeating: 0x30, count: n)
            var v = v
            for i in stride(from: n - 1, through: 0, by: -1) {
                d[i] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
                v /= 10
            }
            out.append(contentsOf: d)
        }
        digits(Int(tm.tm_year) + 1900, 4); out.append(0x2D)
        digits(Int(tm.tm_mon) + 1, 2); out.append(0x2D)
        digits(Int(tm.tm_mday), 2); out.append(0x54)
        digits(Int(tm.tm_hour), 2); out.append(0x3A)
        digits(Int(tm.tm_min), 2); out.append(0x3A)
        digits(Int(tm.tm_sec), 2); out.append(0x2E)
        digits(ts.tv_nsec / 1_000_000, 3); out.append(0x5A)
        return String(decoding: out, as: UTF8.self)
    }
}
