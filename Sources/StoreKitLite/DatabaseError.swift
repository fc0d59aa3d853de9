import CSQLite

/// A SQLite result code: a primary code in the low byte, extended detail above it.
///
/// https://www.sqlite.org/rescode.html §2: "the least significant 8 bits of an extended
/// result code are the primary result code".
public struct ResultCode: Hashable, Sendable, CustomStringConvertible {
    /// The raw (possibly extended) code.
    public let rawValue: Int32

    /// Wraps a raw code.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The primary code (low 8 bits).
    public var primary: ResultCode { ResultCode(rawValue: rawValue & 0xFF) }

    public static let ok = ResultCode(rawValue: SQLITE_OK)
    public static let error = ResultCode(rawValue: SQLITE_ERROR)
    public static let `internal` = ResultCode(rawValue: SQLITE_INTERNAL)
    public static let busy = ResultCode(rawValue: SQLITE_BUSY)
    public static let locked = ResultCode(rawValue: SQLITE_LOCKED)
    public static let nomem = ResultCode(rawValue: SQLITE_NOMEM)
    public static let readonly = ResultCode(rawValue: SQLITE_READONLY)
    public static let interrupt = ResultCode(rawValue: SQLITE_INTERRUPT)
    public static let ioerr = ResultCode(rawValue: SQLITE_IOERR)
    public static let corrupt = ResultCode(rawValue: SQLITE_CORRUPT)
    public static let full = ResultCode(rawValue: SQLITE_FULL)
    public static let cantopen = ResultCode(rawValue: SQLITE_CANTOPEN)
    public static let toobig = ResultCode(rawValue: SQLITE_TOOBIG)
    public static let constraint = ResultCode(rawValue: SQLITE_CONSTRAINT)
    public static let mismatch = ResultCode(rawValue: SQLITE_MISMATCH)
    public static let misuse = ResultCode(rawValue: SQLITE_MISUSE)
    public static let range = ResultCode(rawValue: SQLITE_RANGE)
    public static let notadb = ResultCode(rawValue: SQLITE_NOTADB)
    public static let constraintUnique = ResultCode(rawValue: SQLITE_CONSTRAINT | (8 << 8))
    public static let constraintPrimaryKey = ResultCode(rawValue: SQLITE_CONSTRAINT | (6 << 8))
    public static let constraintForeignKey = ResultCode(rawValue: SQLITE_CONSTRAINT | (3 << 8))
    public static let constraintCheck = ResultCode(rawValue: SQLITE_CONSTRAINT | (1 << 8))
    public static let constraintNotNull = ResultCode(rawValue: SQLITE_CONSTRAINT | (5 << 8))

    /// SQLite's English text for the code, e.g. "constraint failed".
    public var description: String {
        let text = sqlite3_errstr(rawValue).map { String(cString: $0) } ?? "unknown error"
        return rawValue == primary.rawValue ? "\(rawValue) (\(text))" : "\(rawValue)/\(primary.rawValue) (\(text))"
    }
}

/// An error reported by SQLite or by this wrapper around it.
///
/// Carries the extended result code, SQLite's message and the SQL text of the statement,
/// never the bound values: they can be secrets (API key hashes) or user data
/// (GRDB `DatabaseError` makes the same choice).
public struct DatabaseError: Error, Sendable, CustomStringConvertible {
    /// The extended result code.
    public let extendedResultCode: ResultCode
    /// SQLite's message, or this wrapper's.
    public let message: String
    /// The statement's SQL, when one was involved.
    public let sql: String?

    /// The primary result code.
    public var resultCode: ResultCode { extendedResultCode.primary }

    /// Creates an error.
    public init(code: ResultCode, message: String, sql: String? = nil) {
        self.extendedResultCode = code
        self.message = message
        self.sql = sql
    }

    /// Whether this is a constraint violation (UNIQUE, FOREIGN KEY, CHECK, NOT NULL...).
    public var isConstraintViolation: Bool { resultCode == .constraint }

    /// Whether this is a UNIQUE or PRIMARY KEY violation.
    public var isUniqueViolation: Bool {
        extendedResultCode == .constraintUnique || extendedResultCode == .constraintPrimaryKey
    }

    public var description: String {
        var text = "SQLite error \(extendedResultCode): \(message)"
        if let sql { text += " (while executing `\(sql)`)" }
        return text
    }

    /// Builds an error from the connection's last error.
    static func last(_ connection: OpaquePointer?, code: Int32, sql: String?) -> DatabaseError {
        let message: String
        if let connection, let cString = sqlite3_errmsg(connection) {
            message = String(cString: cString)
        } else {
            message = sqlite3_errstr(code).map { String(cString: $0) } ?? "unknown error"
        }
        return DatabaseError(code: ResultCode(rawValue: code), message: message, sql: sql)
    }
}
