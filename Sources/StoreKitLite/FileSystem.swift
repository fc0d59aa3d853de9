import Glibc

/// Thin POSIX helpers: every failure becomes a `StoreError` naming the path and errno.
enum FileSystem {
    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    static func ioError(_ what: String, _ path: String, _ code: Int32 = errno) -> StoreError {
        if code == ENOSPC || code == EDQUOT {
            return StoreError(.io, "\(what) '\(path)': no space left on device")
        }
        if code == EROFS || code == EACCES || code == EPERM {
            return StoreError(.io, "\(what) '\(path)': \(errorText(code)) (is the data directory writable?)")
        }
        return StoreError(.io, "\(what) '\(path)': \(errorText(code))")
    }

    /// Creates a directory; an existing directory is fine. Returns whether it was created.
    @discardableResult
    static func makeDirectory(_ path: String) throws -> Bool {
        if mkdir(path, 0o755) == 0 { return true }
        let code = errno
        var info = stat()
        if code == EEXIST, stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR { return false }
        throw ioError("cannot create directory", path, code)
    }

    /// Flushes a directory so that entries created or renamed in it survive a power loss
    /// (fsync(2): "fsync() on the file does not ensure that the entry in the directory ... has
    /// also reached disk. For that an explicit fsync() on a file descriptor for the directory
    /// is also needed").
    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw ioError("cannot open directory", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw ioError("cannot sync directory", path) }
    }

    /// Writes all bytes, retrying short writes and EINTR.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        guard var pointer = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let n = write(fd, pointer, remaining)
            if n < 0 {
                if errno == EINTR { continue }
                throw ioError("cannot write", path)
            }
            pointer += n
            remaining -= n
        }
    }

    /// Reads up to `buffer.count` bytes, retrying EINTR; 0 at end of file.
    static func readSome(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws -> Int {
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw ioError("cannot read", path)
        }
    }

    /// The entries of a directory other than `.` and `..`; empty when it does not exist.
    static func entries(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else {
            if errno == ENOENT { return [] }
            throw ioError("cannot list directory", path)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> String in
                let bytes = raw.prefix { $0 != 0 }
                return String(decoding: bytes, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// `lstat` information, or nil when the path does not exist.
    static func status(_ path: String) throws -> stat? {
        var info = stat()
        if lstat(path, &info) == 0 { return info }
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw ioError("cannot stat", path)
    }

    static func isRegularFile(_ info: stat) -> Bool { (info.st_mode & S_IFMT) == S_IFREG }
    static func isDirectory(_ info: stat) -> Bool { (info.st_mode & S_IFMT) == S_IFDIR }

    /// Seconds since the epoch.
    static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec)
    }

    /// Sets a file's modification time to now.
    static func touch(_ path: String) {
        _ = utimensat(AT_FDCWD, path, nil, 0)
    }
}
