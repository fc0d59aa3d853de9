import CLinux

/// Process-wide resource limits a server needs.
public enum ProcessLimits {
    /// Raises the soft open-file limit to the hard limit (as nginx's `worker_rlimit_nofile`
    /// and Go's runtime do): each connection is a descriptor, and many images start with a
    /// soft limit of 1,024. Returns the limit now in force, or nil if it could not be read.
    @discardableResult
    public static func raiseOpenFileLimit() -> Int? {
        let limit = clinux_raise_nofile_limit()
        return limit > 0 ? Int(limit) : nil
    }
}
