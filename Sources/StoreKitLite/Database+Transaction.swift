import CSQLite

extension Database {
    /// How a transaction takes its locks (https://www.sqlite.org/lang_transaction.html).
    public enum TransactionKind: String, Sendable {
        /// Locks on first read/write. For reads: a consistent snapshot.
        case deferred = "DEFERRED"
        /// Takes the write lock at BEGIN, so a read-then-write never fails with SQLITE_BUSY
        /// halfway (the busy timeout applies at BEGIN instead).
        case immediate = "IMMEDIATE"
        /// Like immediate; in WAL mode the same.
        case exclusive = "EXCLUSIVE"
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    ///
    /// Transactions do not nest: calling this inside one is an error (use `savepoint`).
    public func transaction<T>(_ kind: TransactionKind = .deferred, _ body: () throws -> T) throws -> T {
        guard !isInsideTransaction else {
            throw DatabaseError(code: .misuse, message: "a transaction is already open; use a savepoint to nest")
        }
        try execute("BEGIN \(kind.rawValue) TRANSACTION")
        let result: T
        do {
            result = try body()
        } catch {
            rollbackIfOpen()
            throw error
        }
        do {
            try execute("COMMIT TRANSACTION")
        } catch {
            // A failed COMMIT (SQLITE_BUSY, I/O error) may leave the transaction open.
            rollbackIfOpen()
            throw error
        }
        return result
    }

    /// Runs `body` inside a savepoint: released when it returns, rolled back when it throws.
    /// Works inside or outside a transaction (https://www.sqlite.org/lang_savepoint.html).
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        try execute("SAVEPOINT storekit")
        let result: T
        do {
            result = try body()
        } catch {
            // ROLLBACK TO keeps the savepoint open; RELEASE closes it (and the transaction
            // it started when there was none). SQLite may already have rolled everything back
            // after some errors, in which case both fail harmlessly.
            if isInsideTransaction {
                try? execute("ROLLBACK TRANSACTION TO SAVEPOINT storekit")
                try? execute("RELEASE SAVEPOINT storekit")
            }
            throw error
        }
        try execute("RELEASE SAVEPOINT storekit")
        return result
    }

    /// Rolls back the open transaction, if SQLite has not already done so.
    func rollbackIfOpen() {
        // After SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM... SQLite may roll back by itself
        // (https://www.sqlite.org/lang_transaction.html "Response To Errors Within A Transaction").
        if isInsideTransaction {
            try? execute("ROLLBACK TRANSACTION")
        }
    }
}
