import CSQLite
import Glibc

/// One SQLite connection, owned by one thread at a time.
///
/// Not `Sendable`: SQLite connections are opened in multi-thread mode (`SQLITE_OPEN_NOMUTEX`),
/// which is safe only while a single thread uses the connection and its statements at once
/// (https://www.sqlite.org/threadsafe.html). Share a database between threads with
/// `DatabasePool`, which hands each connection to one closure at a time.
///
/// Opening sets the connection up in this order (GRDB `Database.setUp`): extended result
/// codes, busy timeout, defensive mode, `foreign_keys=ON`, a probe that reads the schema (a
/// non-database file fails here with a clear error), `journal_mode=WAL` checked to answer
/// `wal`, `synchronous=NORMAL`. The probe runs before the WAL switch so that a non-database
/// file is reported as such rather than as a failed pragma.
public final class Database {
    /// How the file is opened.
    public enum Mode: Sendable, Hashable {
        /// Read and write, creating the file when missing.
        case readWriteCreate
        /// Read and write an existing file.
        case readWrite
        /// Read only. A WAL database still needs its `-shm` file, so its directory must be
        /// writable unless the `-wal`/`-shm` files exist (https://www.sqlite.org/wal.html §8).
        case readOnly
        /// Read only, and the file is promised never to change while open (`immutable=1`):
        /// for a database on a read-only mount. No locking, no `-shm` file.
        case immutable
    }

    /// Connection settings.
    public struct Configuration: Sendable {
        /// How long a statement waits for a lock held by another connection before SQLITE_BUSY.
        public var busyTimeoutMilliseconds: Int32 = 5_000
        /// Whether to switch a writable file database to WAL and require it.
        public var walMode: Bool = true
        /// The most prepared statements kept by `cachedStatement`.
        public var statementCacheLimit: Int = 128

        /// The default settings.
        public init() {}
    }

    /// The path given at open (`:memory:` for an in-memory database).
    public let path: String
    /// The open mode.
    public let mode: Mode
    let handle: OpaquePointer
    private var statementCache: [String: Statement] = [:]
    private let statementCacheLimit: Int

    /// Opens (and sets up) a connection.
    public init(path: String, mode: Mode = .readWriteCreate, configuration: Configuration = Configuration()) throws(DatabaseError) {
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        var filename = path
        switch mode {
        case .readWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        case .readWrite: flags |= SQLITE_OPEN_READWRITE
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        case .immutable:
            flags |= SQLITE_OPEN_READONLY | SQLITE_OPEN_URI
            filename = "file:" + Database.percentEncodedPath(path) + "?immutable=1"
        }
        var connection: OpaquePointer?
        let rc = sqlite3_open_v2(filename, &connection, flags, nil)
        guard rc == SQLITE_OK, let connection else {
            let error = DatabaseError.last(connection, code: rc, sql: nil)
            sqlite3_close_v2(connection)
            throw DatabaseError(code: error.extendedResultCode,
                                message: "cannot open database at '\(path)': \(error.message)")
        }
        self.handle = connection
        self.path = path
        self.mode = mode
        self.statementCacheLimit = configuration.statementCacheLimit
        // From here on a failure must close the connection: deinit does it.
        try setUp(configuration)
    }

    /// Opens a private in-memory database (not shared with any other connection).
    public static func inMemory(configuration: Configuration = Configuration()) throws(DatabaseError) -> Database {
        try Database(path: ":memory:", mode: .readWriteCreate, configuration: configuration)
    }

    deinit {
        statementCache.removeAll()
        // close_v2 defers the close until statements still alive are finalized.
        sqlite3_close_v2(handle)
    }

    /// Whether this is a `:memory:` (or empty-path temporary) database.
    public var isInMemory: Bool { path == ":memory:" || path.isEmpty }

    /// Whether writes are refused on this connection.
    public var isReadOnly: Bool { sqlite3_db_readonly(handle, "main") == 1 }

    private func setUp(_ configuration: Configuration) throws(DatabaseError) {
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, configuration.busyTimeoutMilliseconds)
        // Defensive mode refuses writes that can corrupt the file on purpose (writable_schema,
        // journal_mode=OFF...), and an untrusted schema cannot call functions with side
        // effects from views or triggers: every SQLite file can be hostile.
        _ = csqlite_db_config_int(handle, SQLITE_DBCONFIG_DEFENSIVE, 1)
        _ = csqlite_db_config_int(handle, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0)
        try setUpStep { () throws(DatabaseError) in try execute("PRAGMA foreign_keys = ON") }
        try setUpStep { () throws(DatabaseError) in try validateFormat() }
        let writable = mode == .readWriteCreate || mode == .readWrite
        if writable && isReadOnly {
            throw DatabaseError(code: .readonly, message: "database at '\(path)' is not writable (file permissions?)")
        }
        if writable && !isInMemory && configuration.walMode {
            try setUpStep { () throws(DatabaseError) in
                // https://www.sqlite.org/pragma.html#pragma_journal_mode: the pragma answers
                // the mode in effect, which differs from the one asked when it cannot switch.
                // Switching needs an exclusive lock; when another connection holding a
                // shared lock wants it too (two processes opening a new file at once),
                // SQLite answers BUSY at once instead of calling the busy handler, which
                // would deadlock. Retry within the busy timeout instead.
                let deadline = Database.monotonicNanoseconds() &+ UInt64(max(0, configuration.busyTimeoutMilliseconds)) &* 1_000_000
                var answer: String?
                while true {
                    do throws(DatabaseError) {
                        answer = try fetchValue(String.self, "PRAGMA journal_mode = WAL")
                        break
                    } catch {
                        guard error.resultCode == .busy, Database.monotonicNanoseconds() < deadline else { throw error }
                        usleep(1_000)
                    }
                }
                guard answer?.lowercased() == "wal" else {
                    throw DatabaseError(code: .error, message: "could not enable WAL mode: journal_mode is \(answer ?? "unknown")")
                }
            }
            // In WAL mode NORMAL keeps the database consistent across crashes; a power loss
            // can only roll back the last transactions (https://www.sqlite.org/pragma.html#pragma_synchronous).
            try setUpStep { () throws(DatabaseError) in try execute("PRAGMA synchronous = NORMAL") }
            // Truncate the WAL back to 4 MiB after checkpoints, so that it stays small and
            // recovery after a crash (which scans it) stays fast.
            try setUpStep { () throws(DatabaseError) in _ = try fetchValue(Int64.self, "PRAGMA journal_size_limit = 4194304") }
        }
    }

    private static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Runs one setup step, turning low-level failures into errors that name the file.
    private func setUpStep(_ step: () throws(DatabaseError) -> Void) throws(DatabaseError) {
        do {
            try step()
        } catch {
            switch error.resultCode {
            case .notadb:
                throw DatabaseError(code: error.extendedResultCode,
                                    message: "'\(path)' is not a SQLite database (\(error.message))", sql: error.sql)
            case .corrupt:
                throw DatabaseError(code: error.extendedResultCode,
                                    message: "database at '\(path)' is corrupt (\(error.message))", sql: error.sql)
            case .cantopen where mode == .readOnly, .readonly where mode == .readOnly:
                throw DatabaseError(code: error.extendedResultCode,
                                    message: "cannot read database at '\(path)' (\(error.message)): a WAL database needs a writable directory or its -wal/-shm files; open it immutable on a read-only mount",
                                    sql: error.sql)
            case .cantopen, .readonly:
                throw DatabaseError(code: error.extendedResultCode,
                                    message: "cannot open database at '\(path)' (\(error.message)): is its directory writable?", sql: error.sql)
            default:
                throw error
            }
        }
    }

    /// Reads the schema so that a file that is not a database fails now, not at first use
    /// (GRDB `Database.validateFormat`).
    private func validateFormat() throws(DatabaseError) {
        _ = try fetchValue(Int64.self, "SELECT count(*) FROM sqlite_master")
    }

    static func percentEncodedPath(_ path: String) -> String {
        // https://www.sqlite.org/uri.html §3.1: '?', '#' and '%' must be escaped in the path.
        var out = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "%"):
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
            default:
                out += String(decoding: [byte], as: UTF8.self)
            }
        }
        return out
    }

    // MARK: Statements

    /// Compiles a statement that the caller owns.
    public func makeStatement(_ sql: String) throws(DatabaseError) -> Statement {
        try Statement(connection: handle, sql: sql, persistent: false)
    }

    /// Returns a compiled statement for `sql`, reusing one compiled before. While the cached
    /// one is being read (a query nested in another's row loop), a fresh one is returned.
    public func cachedStatement(_ sql: String) throws(DatabaseError) -> Statement {
        if let statement = statementCache[sql] {
            if !statement.isIterating { return statement }
            return try Statement(connection: handle, sql: sql, persistent: false)
        }
        let statement = try Statement(connection: handle, sql: sql, persistent: true)
        if statementCache.count >= statementCacheLimit { statementCache.removeAll() }
        statementCache[sql] = statement
        return statement
    }

    /// Runs one statement with arguments.
    public func execute(_ sql: String, _ arguments: StatementArguments = []) throws(DatabaseError) {
        try cachedStatement(sql).execute(arguments)
    }

    /// Runs a script of several statements without arguments (schema migrations).
    public func executeScript(_ sql: String) throws(DatabaseError) {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        guard rc == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? DatabaseError.last(handle, code: rc, sql: nil).message
            sqlite3_free(message)
            throw DatabaseError(code: ResultCode(rawValue: sqlite3_extended_errcode(handle)), message: text, sql: sql)
        }
    }

    /// Maps every row of a query.
    public func fetchAll<T>(_ sql: String, _ arguments: StatementArguments = [], _ map: (Row) throws -> T) throws -> [T] {
        try cachedStatement(sql).fetchAll(arguments, map)
    }

    /// Maps the first row of a query, if any.
    public func fetchOne<T>(_ sql: String, _ arguments: StatementArguments = [], _ map: (Row) throws -> T) throws -> T? {
        try cachedStatement(sql).fetchOne(arguments, map)
    }

    /// The first column of the first row, or nil when there is no row or it is NULL.
    public func fetchValue<T: DatabaseValueConvertible>(_ type: T.Type = T.self, _ sql: String, _ arguments: StatementArguments = []) throws(DatabaseError) -> T? {
        let statement = try cachedStatement(sql)
        try statement.bind(arguments)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return try Row(statement: statement).decodeIfPresent(T.self, at: 0)
    }

    /// The rowid of the last successful INSERT on this connection.
    public var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// The rows changed by the last INSERT, UPDATE or DELETE.
    public var changesCount: Int { Int(sqlite3_changes64(handle)) }

    /// Whether a transaction is open.
    public var isInsideTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// The current journal mode (`wal`, `delete`, `memory`...).
    public func journalMode() throws(DatabaseError) -> String {
        try fetchValue(String.self, "PRAGMA journal_mode") ?? ""
    }

    /// `PRAGMA data_version`: changes when another connection commits to the file
    /// (https://www.sqlite.org/pragma.html#pragma_data_version). Not changed by this
    /// connection's own commits.
    public func dataVersion() throws(DatabaseError) -> Int64 {
        try fetchValue(Int64.self, "PRAGMA data_version") ?? 0
    }

    /// Runs `PRAGMA integrity_check` and `PRAGMA foreign_key_check`; returns the problems
    /// found, empty when the database is sound.
    public func integrityCheck(maxErrors: Int = 100) throws(DatabaseError) -> [String] {
        let limit = max(1, min(maxErrors, 10_000))
        let statement = try makeStatement("PRAGMA integrity_check(\(limit))")
        var problems: [String] = []
        do {
            try statement.forEachRow { row in
                let line = try row.string(0)
                if line != "ok" { problems.append(line) }
            }
            let fk = try makeStatement("PRAGMA foreign_key_check")
            try fk.forEachRow { row in
                guard problems.count < limit else { return }
                let table = (try? row.string(0)) ?? "?"
                let rowid = (try? row.optionalInt64(1)).flatMap { $0 }.map(String.init) ?? "?"
                let parent = (try? row.string(2)) ?? "?"
                problems.append("foreign key violation: \(table) row \(rowid) references missing \(parent)")
            }
        } catch let error as DatabaseError {
            throw error
        } catch {
            throw DatabaseError(code: .error, message: "integrity check failed: \(error)")
        }
        return problems
    }

    /// Checkpoints the WAL into the database file and truncates it
    /// (https://www.sqlite.org/c3ref/wal_checkpoint_v2.html).
    public func checkpoint() throws(DatabaseError) {
        let rc = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_TRUNCATE, nil, nil)
        guard rc == SQLITE_OK else { throw DatabaseError.last(handle, code: rc, sql: "wal_checkpoint(TRUNCATE)") }
    }
}

@available(*, unavailable)
extension Database: Sendable {}
