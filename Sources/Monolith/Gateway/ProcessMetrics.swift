import Glibc

/// The standard `process_*` metrics of Prometheus client libraries, read from /proc
/// (proc(5): /proc/self/stat fields 14–15 utime/stime, 22 starttime, 23 vsize, 24 rss;
/// /proc/stat `btime`; /proc/self/fd).
struct ProcessMetrics: Sendable, Equatable {
    var cpuSeconds: Double
    var residentBytes: Int
    var virtualBytes: Int
    var startTimeSeconds: Double
    var openFDs: Int
    var maxFDs: Int?

    /// Reads the current values; nil when /proc is unreadable (not Linux, or hidden).
    static func read() -> ProcessMetrics? {
        guard let stat = readFile("/proc/self/stat"), let close = stat.lastIndex(of: 0x29) else { return nil }
        // Fields after "(comm)": field 3 (state) is index 0 here.
        let fields = stat[(close + 1)...].split(separator: 0x20).map { String(decoding: $0, as: UTF8.self) }
        func field(_ n: Int) -> Double? {
            let i = n - 3
            guard i >= 0, i < fields.count else { return nil }
            return Double(fields[i].trimmingCharacters(in: "\n"))
        }
        let ticks = Double(max(1, sysconf(Int32(_SC_CLK_TCK))))
        let page = max(1, sysconf(Int32(_SC_PAGESIZE)))
        guard let utime = field(14), let stime = field(15), let start = field(22), let vsize = field(23), let rss = field(24) else {
            return nil
        }
        var bootTime = 0.0
        if let text = readFile("/proc/stat") {
            for line in text.split(separator: 0x0A) where line.starts(with: Array("btime ".utf8)) {
                bootTime = Double(String(decoding: line.dropFirst(6), as: UTF8.self)) ?? 0
            }
        }
        var limit = rlimit()
        let maxFDs = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 && limit.rlim_cur < UInt(Int.max) ? Int(limit.rlim_cur) : nil
        return ProcessMetrics(
            cpuSeconds: (utime + stime) / ticks, residentBytes: Int(rss) * page, virtualBytes: Int(vsize),
            startTimeSeconds: bootTime + start / ticks, openFDs: countOpenFDs(), maxFDs: maxFDs)
    }

    /// Entries of /proc/self/fd, minus the directory handle used to count them.
    static func countOpenFDs() -> Int {
        guard let dir = opendir("/proc/self/fd") else { return 0 }
        defer { closedir(dir) }
        var n = 0
        while let entry = readdir(dir) {
            let first = withUnsafeBytes(of: entry.pointee.d_name) { $0.first ?? 0 }
            if first != 0x2E { n += 1 }
        }
        return max(0, n - 1)
    }

    /// A small /proc file's bytes (they report size 0, so read until EOF, up to 64 KiB).
    static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while out.count < 65536 {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 4096) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            out.append(contentsOf: buffer[0..<n])
        }
        return out
    }
}
