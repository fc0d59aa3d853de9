import CSQLite

/// A prepared SQLite statement: compiled in `init`, finalized in `deinit`.
///
/// Belongs to the `Database` that made it and, like it, to one thread at a time.
/// Run it with `execute`, or read rows with `forEachRow` / `fetchAll` / `fetchOne`; each run
/// resets the statement and rebinds its arguments first.
public final class Statement {
    /// The statement's SQL.
    public let sql: String
    let handle: OpaquePointer
    let connection: OpaquePointer
    private var columnIndexes: [String: Int32]?
    /// Whether rows are being read from it now (so a nested use must not reset it).
    var isIterating = false

    /// Compiles one SQL statement; trailing text other than whitespace and comments is an error.
    init(connection: OpaquePointer, sql: String, persistent: Bool) throws(DatabaseError) {
        var statement: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let code = sql.withCString { cSQL in
            let rc = sqlite3_prepare_v3(connection, cSQL, -1, flags, &statement, &tail)
            // Anything left after the first statement must be blank: one Statement is one
            // statement, so a second one is never silently skipped.
            if rc == SQLITE_OK, let tail, !Statement.isBlank(tail, connection: connection) {
                return SQLITE_MISUSE
            }
            return rc
        }
        guard code == SQLITE_OK, let statement else {
            if let statement { sqlite3_finalize(statement) }
            if code == SQLITE_MISUSE {
                throw DatabaseError(code: .misuse, message: "multiple statements in one Statement", sql: sql)
            }
            if code == SQLITE_OK {
                throw DatabaseError(code: .misuse, message: "empty statement", sql: sql)
            }
            throw DatabaseError.last(connection, code: code, sql: sql)
        }
        self.sql = sql
        self.handle = statement
        self.connection = connection
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Whether `text` holds no statement (only whitespace, comments or `;`): SQLite compiles
    /// such text to a NULL statement (https://www.sqlite.org/c3ref/prepare.html).
    private static func isBlank(_ text: UnsafePointer<CChar>, connection: OpaquePointer) -> Bool {
        var remaining = text
        while remaining.pointee != 0 {
            var statement: OpaquePointer?
            var next: UnsafePointer<CChar>?
            let rc = sqlite3_prepare_v3(connection, remaining, -1, 0, &statement, &next)
            if let statement {
                sqlite3_finalize(statement)
                return false
            }
            guard rc == SQLITE_OK, let next, next != remaining else { return false }
            remaining = next
        }
        return true
    }

    /// Whether the statement only reads (https://www.sqlite.org/c3ref/stmt_readonly.html).
    public var isReadOnly: Bool { sqlite3_stmt_readonly(handle) != 0 }

    /// The number of result columns.
    public var columnCount: Int32 { sqlite3_column_count(handle) }

    /// The name of a result column.
    public func columnName(_ index: Int32) -> String {
        sqlite3_column_name(handle, index).map { String(cString: $0) } ?? ""
    }

    /// The index of a result column by name (case-sensitive, first match).
    public func columnIndex(named name: String) -> Int32? {
        if let columnIndexes { return columnIndexes[name] }
        var map: [String: Int32] = [:]
        for i in 0..<columnCount {
            let n = columnName(i)
            if map[n] == nil { map[n] = i }
        }
        columnIndexes = map
        return map[name]
    }

    // MARK: Binding

    /// Clears previous bindings and binds `arguments`.
    public func bind(_ arguments: StatementArguments) throws(DatabaseError) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        let count = sqlite3_bind_parameter_count(handle)
        if arguments.positional.count > Int(count) {
            throw DatabaseError(code: .range, message: "\(arguments.positional.count) arguments for \(count) parameters", sql: sql)
        }
        for (offset, value) in arguments.positional.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
        for (name, value) in arguments.named {
            let index = sqlite3_bind_parameter_index(handle, name)
            guard index > 0 else {
                throw DatabaseError(code: .range, message: "no parameter named \(name)", sql: sql)
            }
            try bind(value, at: index)
        }
    }

    /// Binds one value to the 1-based parameter `index`.
    public func bind(_ value: DatabaseValue, at index: Int32) throws(DatabaseError) {
        let rc: Int32
        switch value {
        case .null:
            rc = sqlite3_bind_null(handle, index)
        case .integer(let v):
            rc = sqlite3_bind_int64(handle, index, v)
        case .real(let v):
            rc = sqlite3_bind_double(handle, index, v)
        case .text(var v):
            rc = v.withUTF8 { buffer -> Int32 in
                guard buffer.count <= Int(Int32.max) else { return SQLITE_TOOBIG }
                // A nil base address (empty string) would bind NULL, not ''.
                guard let base = buffer.baseAddress, buffer.count > 0 else {
                    return sqlite3_bind_text(handle, index, "", 0, csqlite_transient())
                }
                return base.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                    sqlite3_bind_text(handle, index, $0, Int32(buffer.count), csqlite_transient())
                }
            }
        case .blob(let v):
            rc = v.withUnsafeBytes { buffer -> Int32 in
                guard buffer.count <= Int(Int32.max) else { return SQLITE_TOOBIG }
                guard let base = buffer.baseAddress, buffer.count > 0 else {
                    return sqlite3_bind_zeroblob(handle, index, 0)
                }
                return sqlite3_bind_blob(handle, index, base, Int32(buffer.count), csqlite_transient())
            }
        }
        guard rc == SQLITE_OK else {
            throw DatabaseError.last(connection, code: rc, sql: sql)
        }
    }

    // MARK: Running

    /// Runs the statement to completion, ignoring rows.
    public func execute(_ arguments: StatementArguments = []) throws(DatabaseError) {
        try bind(arguments)
        defer { sqlite3_reset(handle) }
        while try step() {}
    }

    /// Calls `body` for each row. The `Row` is valid only during the call.
    public func forEachRow(_ arguments: StatementArguments = [], _ body: (Row) throws -> Void) throws {
        try bind(arguments)
        isIterating = true
        defer {
            isIterating = false
            sqlite3_reset(handle)
        }
        while try step() {
            try body(Row(statement: self))
        }
    }

    /// Maps every row.
    public func fetchAll<T>(_ arguments: StatementArguments = [], _ map: (Row) throws -> T) throws -> [T] {
        var result: [T] = []
        try forEachRow(arguments) { result.append(try map($0)) }
        return result
    }

    /// Maps the first row, if any.
    public func fetchOne<T>(_ arguments: StatementArguments = [], _ map: (Row) throws -> T) throws -> T? {
        try bind(arguments)
        isIterating = true
        defer {
            isIterating = false
            sqlite3_reset(handle)
        }
        guard try step() else { return nil }
        return try map(Row(statement: self))
    }

    /// Resets the statement so that it can run again (bindings are kept).
    func reset() { sqlite3_reset(handle) }

    /// Advances one step: true when a row is available, false when done.
    ///
    /// The step loop of https://www.sqlite.org/c3ref/step.html: SQLITE_ROW, SQLITE_DONE,
    /// anything else is an error.
    func step() throws(DatabaseError) -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw DatabaseError.last(connection, code: rc, sql: sql)
        }
    }
}

@available(*, unavailable)
extension Statement: Sendable {}
