import CSQLite

/// The current row of a statement being stepped.
///
/// Valid only inside the closure that received it (the statement moves on afterwards), as
/// GRDB's rows from a cursor are. Typed getters throw a `DatabaseError` when the stored value
/// does not have the expected storage class, so a corrupt or foreign database file gives an
/// error, not a crash.
public struct Row {
    let statement: Statement

    /// The number of columns.
    public var count: Int32 { statement.columnCount }

    /// The value at a 0-based column index (NULL when out of range).
    public subscript(index: Int32) -> DatabaseValue {
        guard index >= 0, index < statement.columnCount else { return .null }
        let handle = statement.handle
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(handle, index))
        case SQLITE_TEXT:
            // Ask for the pointer first, then the size (https://www.sqlite.org/c3ref/column_blob.html).
            guard let text = sqlite3_column_text(handle, index) else { return .text("") }
            let size = Int(sqlite3_column_bytes(handle, index))
            // Invalid UTF-8 in a hostile file is repaired, not trusted.
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: size), as: UTF8.self))
        case SQLITE_BLOB:
            guard let bytes = sqlite3_column_blob(handle, index) else { return .blob([]) }
            let size = Int(sqlite3_column_bytes(handle, index))
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: size)))
        default:
            return .null
        }
    }

    /// The value of the column named `name` (NULL when there is none).
    public subscript(name: String) -> DatabaseValue {
        guard let index = statement.columnIndex(named: name) else { return .null }
        return self[index]
    }

    /// Decodes a non-NULL value of type `T`.
    public func decode<T: DatabaseValueConvertible>(_ type: T.Type = T.self, at index: Int32) throws(DatabaseError) -> T {
        let value = self[index]
        guard let decoded = T.fromDatabaseValue(value), !value.isNull else {
            throw mismatch(index: index, expected: String(describing: T.self), found: value)
        }
        return decoded
    }

    /// Decodes a value of type `T`, nil for NULL.
    public func decodeIfPresent<T: DatabaseValueConvertible>(_ type: T.Type = T.self, at index: Int32) throws(DatabaseError) -> T? {
        let value = self[index]
        if value.isNull { return nil }
        guard let decoded = T.fromDatabaseValue(value) else {
            throw mismatch(index: index, expected: String(describing: T.self), found: value)
        }
        return decoded
    }

    /// Decodes a non-NULL value of type `T` from the column named `name`.
    public func decode<T: DatabaseValueConvertible>(_ type: T.Type = T.self, named name: String) throws(DatabaseError) -> T {
        guard let index = statement.columnIndex(named: name) else {
            throw DatabaseError(code: .range, message: "no column named \(name)", sql: statement.sql)
        }
        return try decode(type, at: index)
    }

    /// Decodes a value of type `T` from the column named `name`, nil for NULL.
    public func decodeIfPresent<T: DatabaseValueConvertible>(_ type: T.Type = T.self, named name: String) throws(DatabaseError) -> T? {
        guard let index = statement.columnIndex(named: name) else {
            throw DatabaseError(code: .range, message: "no column named \(name)", sql: statement.sql)
        }
        return try decodeIfPresent(type, at: index)
    }

    /// A 64-bit integer column.
    public func int64(_ index: Int32) throws(DatabaseError) -> Int64 { try decode(Int64.self, at: index) }
    /// A 64-bit integer column, nil for NULL.
    public func optionalInt64(_ index: Int32) throws(DatabaseError) -> Int64? { try decodeIfPresent(Int64.self, at: index) }
    /// A text column.
    public func string(_ index: Int32) throws(DatabaseError) -> String { try decode(String.self, at: index) }
    /// A text column, nil for NULL.
    public func optionalString(_ index: Int32) throws(DatabaseError) -> String? { try decodeIfPresent(String.self, at: index) }
    /// A real column (integers are widened).
    public func double(_ index: Int32) throws(DatabaseError) -> Double { try decode(Double.self, at: index) }
    /// A blob column.
    public func blob(_ index: Int32) throws(DatabaseError) -> [UInt8] { try decode([UInt8].self, at: index) }

    private func mismatch(index: Int32, expected: String, found: DatabaseValue) -> DatabaseError {
        DatabaseError(
            code: .mismatch,
            message: "column \(index) (\(statement.columnName(index))): expected \(expected), found \(found.storageClass)",
            sql: statement.sql)
    }
}

@available(*, unavailable)
extension Row: Sendable {}
