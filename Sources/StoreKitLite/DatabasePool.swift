import Synchronization

/// A database shared by many threads: one writer connection and a few reader connections.
///
/// Design (the shape of GRDB's `DatabasePool`, built on WAL, https://www.sqlite.org/wal.html):
/// - **One writer.** Every write runs on the single read-write connection, under a `Mutex`,
///   inside an IMMEDIATE transaction. Writes are serialized in the process (SQLite allows one
///   writer at a time anyway); another process writing the same file (the CLI) is waited for
///   through the busy timeout.
/// - **Readers.** Up to `maximumReaderCount` read-only connections, opened lazily, each behind
///   its own `Mutex`. A read takes the first idle reader (trying each with
///   `withLockIfAvailable`, starting from a rotating index) and waits on one only when all are
///   busy. In WAL mode readers never block the writer nor each other, and each read runs in
///   a deferred transaction, so it sees one consistent snapshot.
/// - **Ownership.** A connection is only ever used inside the closure that holds its lock, so
///   each `Database` has one owner at a time, which `SQLITE_OPEN_NOMUTEX` requires.
///   Closures must not let the connection escape, and results are `Sendable`. Closures
///   must not call back into the pool (`Mutex` is not recursive: a write inside a write
///   would wait for itself).
/// - An in-memory database has no readers (separate connections would see separate
///   databases): reads go through the writer. A read-only pool has no writer.
///
/// Event-loop threads may call `read` for short queries (resolve a key, list models); long
/// scans and all writes belong off the event loops.
public final class DatabasePool: Sendable {
    /// Pool settings.
    public struct Configuration: Sendable {
        /// Connection settings shared by the writer and the readers.
        public var database = Database.Configuration()
        /// The most reader connections (0: reads use the writer).
        public var maximumReaderCount = 4
        /// No writer; readers open the file read-only (or immutable).
        public var readOnly = false
        /// With `readOnly`: open the file `immutable=1` (a read-only mount nobody writes).
        public var immutable = false

        /// The default settings.
        public init() {}
    }

    /// The database file path.
    public let path: String
    private let writer: Mutex<Database?>
    private let readers: [ReaderSlot]
    private let nextReader = Atomic<Int>(0)
    private let readerMode: Database.Mode
    private let connectionConfiguration: Database.Configuration

    private final class ReaderSlot: Sendable {
        let connection = Mutex<Database?>(nil)
    }

    /// Opens the pool: the writer now (read-write, created when missing), readers on first use.
    public init(path: String, configuration: Configuration = Configuration()) throws {
        self.path = path
        self.connectionConfiguration = configuration.database
        self.readerMode = configuration.immutable ? .immutable : .readOnly
        let inMemory = path == ":memory:" || path.isEmpty
        if configuration.readOnly {
            if inMemory {
                throw DatabaseError(code: .misuse, message: "an in-memory database cannot be opened read-only")
            }
            self.writer = Mutex(nil)
            self.readers = (0..<max(1, configuration.maximumReaderCount)).map { _ in ReaderSlot() }
            // Open one reader now so that a missing or broken file fails at start.
            try read { _ in () }
        } else {
            self.writer = Mutex(try Database(path: path, mode: .readWriteCreate, configuration: configuration.database))
            self.readers = inMemory ? [] : (0..<max(0, configuration.maximumReaderCount)).map { _ in ReaderSlot() }
        }
    }

    deinit {
        // Readers close first so that the writer is the last connection: the last connection
        // to close checkpoints the WAL and deletes it, and a read-only connection cannot,
        // which would leave the next start to rebuild the WAL index
        // (https://www.sqlite.org/wal.html §3.1 "automatic checkpoint", §4 "the WAL file").
        for slot in readers {
            slot.connection.withLock { $0 = nil }
        }
        writer.withLock { $0 = nil }
    }

    /// Whether the pool refuses writes.
    public var isReadOnly: Bool { writer.withLock { $0 == nil } }

    /// Runs `body` on the writer inside an IMMEDIATE transaction: committed when it returns,
    /// rolled back when it throws.
    public func write<T: Sendable>(_ body: (Database) throws -> T) throws -> T {
        try writeWithoutTransaction { db in
            try db.transaction(.immediate) { try body(db) }
        }
    }

    /// Runs `body` on the writer with no transaction around it (migrations, checkpoints).
    public func writeWithoutTransaction<T: Sendable>(_ body: (Database) throws -> T) throws -> T {
        try writer.withLock { (db: inout sending Database?) throws -> T in
            guard let connection = db else {
                throw DatabaseError(code: .readonly, message: "database at '\(path)' is open read-only")
            }
            return try body(connection)
        }
    }

    /// Runs `body` on a reader inside a deferred transaction (one consistent snapshot).
    public func read<T: Sendable>(_ body: (Database) throws -> T) throws -> T {
        guard !readers.isEmpty else {
            return try writeWithoutTransaction { db in try DatabasePool.readTransaction(db, body) }
        }
        return try readFromReaders(body)
    }

    private func readFromReaders<T: Sendable>(_ body: (Database) throws -> T) throws -> T {
        let inTransaction: (Database) throws -> T = { db in try DatabasePool.readTransaction(db, body) }
        return try readFromReaders(inTransaction: inTransaction)
    }

    private func readFromReaders<T: Sendable>(inTransaction body: (Database) throws -> T) throws -> T {
        let count = readers.count
        let start = nextReader.wrappingAdd(1, ordering: .relaxed).oldValue
        for offset in 0..<count {
            let slot = readers[(start &+ offset) % count]
            if let result = try slot.connection.withLockIfAvailable({ (db: inout sending Database?) throws -> T in
                if db == nil { db = try openReader() }
                guard let connection = db else { throw DatabaseError(code: .misuse, message: "no reader") }
                return try body(connection)
            }) {
                return result
            }
        }
        return try readers[start % count].connection.withLock { (db: inout sending Database?) throws -> T in
            if db == nil { db = try openReader() }
            guard let connection = db else { throw DatabaseError(code: .misuse, message: "no reader") }
            return try body(connection)
        }
    }

    private static func readTransaction<T>(_ connection: Database, _ body: (Database) throws -> T) throws -> T {
        try connection.transaction(.deferred) { try body(connection) }
    }

    private func openReader() throws(DatabaseError) -> sending Database {
        try Database(path: path, mode: readerMode, configuration: connectionConfiguration)
    }
}
