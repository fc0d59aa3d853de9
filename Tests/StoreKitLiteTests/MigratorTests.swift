import Dispatch
import Testing
@testable import StoreKitLite

@Suite struct MigratorTests {
    static func migrator(_ ids: [String]) -> Migrator {
        var migrator = Migrator()
        for id in ids {
            migrator.register(id) { db in try db.execute("CREATE TABLE \(id) (x)") }
        }
        return migrator
    }

    @Test func appliesInOrderOnceAndRecords() throws {
        let db = try Database.inMemory()
        let migrator = MigratorTests.migrator(["a", "b"])
        #expect(try migrator.pendingIdentifiers(in: db) == ["a", "b"])
        try migrator.migrate(db)
        #expect(try migrator.appliedIdentifiers(in: db) == ["a", "b"])
        #expect(try migrator.pendingIdentifiers(in: db) == [])
        try migrator.migrate(db)  // idempotent
        let grown = MigratorTests.migrator(["a", "b", "c"])
        #expect(try grown.pendingIdentifiers(in: db) == ["c"])
        try grown.migrate(db)
        #expect(try db.fetchValue(Int64.self, "SELECT count(*) FROM sqlite_master WHERE name IN ('a','b','c')") == 3)
    }

    @Test func failedMigrationLeavesNoTrace() throws {
        let db = try Database.inMemory()
        var migrator = MigratorTests.migrator(["a"])
        migrator.register("broken") { db in
            try db.execute("CREATE TABLE half (x)")
            try db.execute("INSERT INTO nowhere VALUES (1)")
        }
        let error = #expect(throws: MigrationError.self) { try migrator.migrate(db) }
        #expect(error.map { String(describing: $0).contains("broken") } == true)
        #expect(try migrator.appliedIdentifiers(in: db) == ["a"])
        #expect(try db.fetchValue(Int64.self, "SELECT count(*) FROM sqlite_master WHERE name = 'half'") == 0)
    }

    @Test func refusesADatabaseNewerThanTheCode() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("m.sqlite")
        try MigratorTests.migrator(["a", "b", "c"]).migrate(try Database(path: path))
        let older = MigratorTests.migrator(["a", "b"])
        let db = try Database(path: path)
        let error = #expect(throws: MigrationError.self) { try older.migrate(db) }
        guard case .newerDatabase(let unknown)? = error?.reason else {
            Issue.record("expected newerDatabase, got \(String(describing: error))")
            return
        }
        #expect(unknown == ["c"])
        #expect(error.map { String(describing: $0).contains("newer version") } == true)
    }

    @Test func readOnlyDatabaseWithPendingMigrationsIsRefused() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("m.sqlite")
        try MigratorTests.migrator(["a"]).migrate(try Database(path: path))
        let keepOpen = try Database(path: path)  // keeps -wal/-shm so a read-only open works
        _ = keepOpen
        let reader = try Database(path: path, mode: .readOnly)
        try MigratorTests.migrator(["a"]).migrate(reader)  // nothing pending: fine
        let error = #expect(throws: MigrationError.self) { try MigratorTests.migrator(["a", "b"]).migrate(reader) }
        guard case .readOnly(let pending)? = error?.reason else {
            Issue.record("expected readOnly, got \(String(describing: error))")
            return
        }
        #expect(pending == ["b"])
    }

    @Test func duplicateIdentifiersAreRefused() throws {
        let db = try Database.inMemory()
        #expect(throws: MigrationError.self) { try MigratorTests.migrator(["a", "a"]).migrate(db) }
    }

    @Test func twoConnectionsMigratingAtOnceApplyEachStepOnce() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("m.sqlite")
        var migrator = Migrator()
        for i in 0..<20 {
            migrator.register("m\(i)") { db in try db.execute("CREATE TABLE t\(i) (x)") }
        }
        let frozen = migrator
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do {
                try frozen.migrate(try Database(path: path))
            } catch {
                failures.add(error)
            }
        }
        #expect(failures.all.isEmpty)
        let db = try Database(path: path)
        #expect(try frozen.appliedIdentifiers(in: db).count == 20)
    }
}

/// Errors collected from several threads.
final class Failures: Sendable {
    private let storage = LockedBox<[String]>([])
    func add(_ error: any Error) { storage.mutate { $0.append(String(describing: error)) } }
    var all: [String] { storage.mutate { $0 } }
}

import Synchronization

final class LockedBox<T: Sendable>: Sendable {
    private let mutex: Mutex<T>
    init(_ value: T) { mutex = Mutex(value) }
    func mutate<R: Sendable>(_ body: (inout T) -> R) -> R { mutex.withLock { body(&$0) } }
}
