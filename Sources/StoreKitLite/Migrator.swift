/// Forward-only schema migrations, recorded by name in the database.
///
/// The shape of GRDB's `DatabaseMigrator`: migrations are registered in order; `migrate`
/// applies the ones not yet recorded, each in its own IMMEDIATE transaction together with the
/// row that records it, so a crash leaves a migration either applied and recorded or neither.
/// A database that records migrations this code does not know was written by a newer build;
/// it is refused rather than half understood.
public struct Migrator: Sendable {
    /// One named schema step.
    public struct Migration: Sendable {
        /// The unique, stable name recorded in the database.
        public let identifier: String
        let body: @Sendable (Database) throws -> Void
    }

    /// The table recording applied migrations.
    public static let tableName = "storekit_migrations"

    /// The registered migrations, in order.
    public private(set) var migrations: [Migration] = []

    /// Creates an empty migrator.
    public init() {}

    /// Appends a migration. Identifiers must be unique (checked by `migrate`).
    public mutating func register(_ identifier: String, _ body: @escaping @Sendable (Database) throws -> Void) {
        migrations.append(Migration(identifier: identifier, body: body))
    }

    /// The identifiers recorded as applied, in the order they were applied.
    public func appliedIdentifiers(in db: Database) throws -> [String] {
        let exists = try db.fetchValue(Int64.self,
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", [Migrator.tableName]) ?? 0
        guard exists > 0 else { return [] }
        return try db.fetchAll("SELECT identifier FROM \(Migrator.tableName) ORDER BY rowid") { try $0.string(0) }
    }

    /// The registered identifiers not yet applied, in order. Throws `MigrationError` when the
    /// database is newer than this code.
    public func pendingIdentifiers(in db: Database) throws -> [String] {
        try validateIdentifiers()
        let applied = try appliedIdentifiers(in: db)
        let known = Set(migrations.map(\.identifier))
        let unknown = applied.filter { !known.contains($0) }
        if !unknown.isEmpty {
            throw MigrationError.newerDatabase(path: db.path, unknownMigrations: unknown)
        }
        let appliedSet = Set(applied)
        return migrations.map(\.identifier).filter { !appliedSet.contains($0) }
    }

    /// Applies every pending migration, each in one IMMEDIATE transaction.
    ///
    /// Safe when two processes migrate the same file at once: each step re-checks inside its
    /// write transaction whether the other process applied it meanwhile.
    public func migrate(_ db: Database) throws {
        let pending = try pendingIdentifiers(in: db)
        guard !pending.isEmpty else { return }
        if db.isReadOnly {
            throw MigrationError.readOnly(path: db.path, pending: pending)
        }
        try db.execute("""
            CREATE TABLE IF NOT EXISTS \(Migrator.tableName) (
                identifier TEXT NOT NULL PRIMARY KEY,
                applied_at INTEGER NOT NULL
            ) STRICT
            """)
        let pendingSet = Set(pending)
        for migration in migrations where pendingSet.contains(migration.identifier) {
            try db.transaction(.immediate) {
                let already = try db.fetchValue(Int64.self,
                    "SELECT count(*) FROM \(Migrator.tableName) WHERE identifier = ?", [migration.identifier]) ?? 0
                guard already == 0 else { return }
                do {
                    try migration.body(db)
                } catch {
                    throw MigrationError.failed(identifier: migration.identifier, underlying: error)
                }
                try db.execute("INSERT INTO \(Migrator.tableName) (identifier, applied_at) VALUES (?, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))",
                               [migration.identifier])
            }
        }
        // A migration that another process ran meanwhile may still be unknown to this code.
        _ = try pendingIdentifiers(in: db)
    }

    private func validateIdentifiers() throws {
        var seen = Set<String>()
        for migration in migrations where !seen.insert(migration.identifier).inserted {
            throw MigrationError.duplicate(identifier: migration.identifier)
        }
    }
}

/// Why a migration could not run.
public struct MigrationError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Reason: Sendable {
        /// The database records migrations this code does not know.
        case newerDatabase(unknownMigrations: [String])
        /// Migrations are pending but the database is read-only.
        case readOnly(pending: [String])
        /// Two migrations share an identifier (a programming error).
        case duplicate(identifier: String)
        /// A migration threw.
        case failed(identifier: String, underlying: String)
    }

    /// What went wrong.
    public let reason: Reason
    /// The database path.
    public let path: String

    static func newerDatabase(path: String, unknownMigrations: [String]) -> MigrationError {
        MigrationError(reason: .newerDatabase(unknownMigrations: unknownMigrations), path: path)
    }
    static func readOnly(path: String, pending: [String]) -> MigrationError {
        MigrationError(reason: .readOnly(pending: pending), path: path)
    }
    static func duplicate(identifier: String) -> MigrationError {
        MigrationError(reason: .duplicate(identifier: identifier), path: "")
    }
    static func failed(identifier: String, underlying: any Error) -> MigrationError {
        MigrationError(reason: .failed(identifier: identifier, underlying: String(describing: underlying)), path: "")
    }

    public var description: String {
        switch reason {
        case .newerDatabase(let unknown):
            return "database at '\(path)' was written by a newer version of this program (unknown migrations: \(unknown.joined(separator: ", "))); upgrade the program or use a matching database"
        case .readOnly(let pending):
            return "database at '\(path)' is read-only and needs migrations: \(pending.joined(separator: ", ")); open it once read-write with this version"
        case .duplicate(let identifier):
            return "migration '\(identifier)' is registered twice"
        case .failed(let identifier, let underlying):
            return "migration '\(identifier)' failed: \(underlying)"
        }
    }
}
