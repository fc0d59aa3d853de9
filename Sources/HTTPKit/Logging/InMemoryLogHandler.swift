import Synchronization

/// Keeps records in memory so tests can assert on what was logged.
public final class InMemoryLogHandler: LogHandler {
    private let storage = Mutex<[LogRecord]>([])

    public init() {}

    public func log(_ record: LogRecord) {
        storage.withLock { $0.append(record) }
    }

    /// Every record logged so far, in order.
    public var records: [LogRecord] {
        storage.withLock { $0 }
    }

    /// Forgets every record.
    public func clear() {
        storage.withLock { $0.removeAll() }
    }
}
