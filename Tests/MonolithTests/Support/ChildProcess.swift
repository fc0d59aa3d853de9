import Glibc
import HTTPKit

/// The built `monolith` binary run as a child process, its output captured in files.
final class ChildProcess {
    let pid: pid_t
    let outputPath: String
    let errorPath: String
    private var exitStatus: Int32?

    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    /// The `monolith` executable next to the test bundle in the build directory.
    static func monolithPath() throws -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { throw SpawnError(description: "cannot read /proc/self/exe") }
        let exe = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var directory = exe
        while let slash = directory.lastIndex(of: "/") {
            directory = String(directory[..<slash])
            let candidate = directory + "/monolith"
            if access(candidate, X_OK) == 0 { return candidate }
            if directory.hasSuffix(".build") { break }
        }
        throw SpawnError(description: "monolith binary not found near \(exe): run 'swift build' first")
    }

    /// Starts `monolith arguments...` with `environment` added to a minimal PATH-only environment.
    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        let path = try Self.monolithPath()
        let stamp = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        outputPath = "/tmp/monolith-test-\(stamp).out"
        errorPath = "/tmp/monolith-test-\(stamp).err"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let env = (["PATH": "/usr/bin:/bin"].merging(environment) { $1 }).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in env { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, env)
        guard rc == 0 else { throw SpawnError(description: "posix_spawn failed: \(rc)") }
        self.pid = pid
    }

    deinit {
        if exitStatus == nil {
            kill(pid, SIGKILL)
            _ = try? wait()
        }
        unlink(outputPath)
        unlink(errorPath)
    }

    var output: String { Self.read(outputPath) }
    var errorOutput: String { Self.read(errorPath) }

    /// Waits for exit (up to `timeout`); the exit status, or nil if it is still running.
    @discardableResult
    func wait(timeout: Duration = .seconds(20)) throws -> Int32? {
        if let exitStatus { return exitStatus }
        let deadline = MonotonicClock.now() + UInt64(timeout.components.seconds) * 1_000_000_000
        while MonotonicClock.now() < deadline {
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                // WIFEXITED / WEXITSTATUS, and 128+signal for a signal death.
                let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
                exitStatus = code
                return code
            }
            usleep(10_000)
        }
        return nil
    }

    func signal(_ signal: Int32) { kill(pid, signal) }

    /// Waits until stdout contains `text` (up to 20 s).
    func waitForOutput(containing text: String) -> Bool {
        for _ in 0..<2000 {
            if output.contains(text) { return true }
            usleep(10_000)
        }
        return false
    }

    /// The port from the JSON "server started" log line.
    func waitForPort() -> Int? {
        guard waitForOutput(containing: "\"server started\"") else { return nil }
        for line in output.split(separator: "\n") where line.contains("\"server started\"") {
            guard let range = line.firstRange(of: "\"server.port\":") else { continue }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
        return nil
    }

    static func read(_ path: String) -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var all: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            all += buffer[0..<n]
        }
        return String(decoding: all, as: UTF8.self)
    }
}

/// A TCP port nothing listens on (bound once, then released).
func unusedPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
