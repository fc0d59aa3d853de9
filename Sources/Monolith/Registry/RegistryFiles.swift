import Glibc

/// What identifies one state of a file cheaply: device, inode, size, modification and
/// change times. Polling compares stamps and hashes only files whose stamp moved (the
/// ctime catches rewrites that keep the mtime, e.g. `cp -p`, and renames over the file).
struct FileStamp: Sendable, Hashable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedNanoseconds: Int64
    var changedNanoseconds: Int64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modifiedNanoseconds = Int64(info.st_mtim.tv_sec) &* 1_000_000_000 &+ Int64(info.st_mtim.tv_nsec)
        changedNanoseconds = Int64(info.st_ctim.tv_sec) &* 1_000_000_000 &+ Int64(info.st_ctim.tv_nsec)
    }

    init(device: UInt64 = 0, inode: UInt64 = 0, size: Int64, modifiedNanoseconds: Int64, changedNanoseconds: Int64 = 0) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modifiedNanoseconds = modifiedNanoseconds
        self.changedNanoseconds = changedNanoseconds
    }

    /// The later of the modification and change times.
    var lastTouchedNanoseconds: Int64 { max(modifiedNanoseconds, changedNanoseconds) }
}

/// The kind of a directory entry after symlinks inside the root are resolved.
enum RegistryEntryKind: Sendable, Equatable {
    case directory
    case regularFile(FileStamp)
    /// Anything else: device, FIFO, socket, a symlink leading outside the root or nowhere.
    case other(String)
}

/// POSIX helpers for reading a registry folder, which is hostile input: no symlink is
/// followed outside the root, FIFOs and devices are never opened, sizes are checked before
/// reading, and directory listings are bounded.
enum RegistryFiles {
    /// The canonical absolute path (`realpath(3)`), or nil with errno set.
    static func canonicalPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether `path` is `root` or inside it (both canonical).
    static func isInside(_ path: String, root: String) -> Bool {
        path == root || path.hasPrefix(root == "/" ? "/" : root + "/")
    }

    /// Classifies `path` (a child of a directory inside `root`): a symlink is followed only
    /// when its canonical target stays inside `root`. Returns the path to open (canonical for
    /// a followed symlink) and the kind.
    static func classify(_ path: String, root: String) -> (path: String, kind: RegistryEntryKind) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return (path, .other("cannot stat: \(errorText(errno))")) }
        var target = path
        if (info.st_mode & S_IFMT) == S_IFLNK {
            guard let resolved = canonicalPath(path) else { return (path, .other("dangling symlink")) }
            guard isInside(resolved, root: root) else { return (path, .other("symlink leads outside the registry folder")) }
            guard lstat(resolved, &info) == 0 else { return (path, .other("cannot stat: \(errorText(errno))")) }
            target = resolved
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return (target, .directory)
        case S_IFREG: return (target, .regularFile(FileStamp(info)))
        default: return (target, .other("not a regular file or directory"))
        }
    }

    /// The names in a directory, without `.`, `..` and hidden entries (names starting with a
    /// dot: editors' and copy tools' temporary files), at most `limit` of them, sorted.
    /// Names that are not UTF-8 are skipped. Throws the errno text when it cannot be read.
    static func list(_ directory: String, limit: Int) throws(RegistryError) -> (names: [String], truncated: Bool) {
        guard let dir = opendir(directory) else {
            throw RegistryError(.internal, "cannot read directory '\(directory)': \(errorText(errno))")
        }
        defer { closedir(dir) }
        var names: [String] = []
        var truncated = false
        while let entry = readdir(dir) {
            let name: String? = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                let bytes = raw.prefix { $0 != 0 }
                return String(validating: bytes, as: UTF8.self)
            }
            guard let name, !name.isEmpty, !name.hasPrefix(".") else { continue }
            if names.count >= limit {
                truncated = true
                break
            }
            names.append(name)
        }
        names.sort()
        return (names, truncated)
    }

    /// Reads a whole regular file of at most `maxBytes`, refusing anything else (never
    /// blocks on a FIFO: `O_NONBLOCK`, then a regular-file check on the open descriptor).
    /// Returns the bytes and the stamp of the descriptor read.
    static func read(_ path: String, maxBytes: Int) throws(RegistryError) -> (bytes: [UInt8], stamp: FileStamp) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { throw RegistryError(.internal, "cannot open '\(path)': \(errorText(errno))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw RegistryError(.internal, "cannot stat '\(path)': \(errorText(errno))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw RegistryError(.invalidArgument, "'\(path)' is not a regular file") }
        let size = Int(info.st_size)
        guard size <= maxBytes else {
            throw RegistryError(.tooLarge, "'\(path)' is \(size) bytes, above the limit of \(maxBytes)")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return Glibc.read(fd, base + done, size - done)
            }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw RegistryError(.internal, "cannot read '\(path)': \(errorText(errno))")
            }
            if n == 0 { break }
            done += n
        }
        guard done == size else { throw RegistryError(.internal, "'\(path)' changed size while being read") }
        return (bytes, FileStamp(info))
    }

    /// The current stamp of a regular file, nil when it is not one.
    static func stamp(_ path: String) -> FileStamp? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return FileStamp(info)
    }

    /// Current wall-clock time in nanoseconds (file times are wall-clock).
    static func wallClockNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) &* 1_000_000_000 &+ Int64(ts.tv_nsec)
    }

    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
