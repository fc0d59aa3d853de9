import Dispatch
import Testing
@testable import StoreKitLite

@Suite struct DatabasePoolTests {
    @Test func readersSeeCommittedWritesWhileTheWriterWrites() throws {
        let dir = try TemporaryDirectory()
        let pool = try DatabasePool(path: dir.file("p.sqlite"))
        try pool.write { db in try db.execute("CREATE TABLE t (n INTEGER)") }
        let failures = Failures()
        // Writes insert pairs in one transaction; readers must never see an odd count.
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            do {
                for i in 0..<50 {
                    if worker == 0 {
                        try pool.write { db in
                            try db.execute("INSERT INTO t VALUES (?)", [Int64(i)])
                            try db.execute("INSERT INTO t VALUES (?)", [Int64(i)])
                        }
                    } else {
                        let count = try pool.read { db in try db.fetchValue(Int64.self, "SELECT count(*) FROM t") ?? -1 }
                        if count % 2 != 0 { failures.add(TestFailure("torn read: \(count)")) }
                    }
                }
            } catch {
                failures.add(error)
            }
        }
        #expect(failures.all.isEmpty)
        #expect(try pool.read { db in try db.fetchValue(Int64.self, "SELECT count(*) FROM t") } == 100)
    }

    @Test func readersCannotWrite() throws {
        let dir = try TemporaryDirectory()
        let pool = try DatabasePool(path: dir.file("p.sqlite"))
        try pool.write { db in try db.execute("CREATE TABLE t (n INTEGER)") }
        let error = #expect(throws: DatabaseError.self) {
            try pool.read { db in try db.execute("INSERT INTO t VALUES (1)") }
        }
        #expect(error?.resultCode == .readonly)
    }

    @Test func failedWriteRollsBack() throws {
        let pool = try DatabasePool(path: ":memory:")
        try pool.write { db in try db.execute("CREATE TABLE t (n INTEGER)") }
        #expect(throws: TestFailure.self) {
            try pool.write { db in
                try db.execute("INSERT INTO t VALUES (1)")
                throw TestFailure("no")
            }
        }
        #expect(try pool.read { db in try db.fetchValue(Int64.self, "SELECT count(*) FROM t") } == 0)
    }

    @Test func readOnlyPoolRefusesWritesAndReads() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("p.sqlite")
        let writer = try DatabasePool(path: path)
        try writer.write { db in
            try db.execute("CREATE TABLE t (n INTEGER)")
            try db.execute("INSERT INTO t VALUES (5)")
        }
        var configuration = DatabasePool.Configuration()
        configuration.readOnly = true
        let reader = try DatabasePool(path: path, configuration: configuration)
        #expect(reader.isReadOnly)
        #expect(try reader.read { db in try db.fetchValue(Int64.self, "SELECT n FROM t") } == 5)
        let error = #expect(throws: DatabaseError.self) { try reader.write { db in try db.execute("DELETE FROM t") } }
        #expect(error?.resultCode == .readonly)
    }

    @Test func readOnlyPoolOnAMissingFileFailsAtOpen() throws {
        let dir = try TemporaryDirectory()
        var configuration = DatabasePool.Configuration()
        configuration.readOnly = true
        #expect(throws: DatabaseError.self) { _ = try DatabasePool(path: dir.file("none.sqlite"), configuration: configuration) }
    }
}

@Suite struct DatabasePoolShutdownTests {
    @Test func closingThePoolCheckpointsAndRemovesTheWAL() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("p.sqlite")
        do {
            let pool = try DatabasePool(path: path)
            try pool.write { db in
                try db.execute("CREATE TABLE t (n INTEGER)")
                try db.execute("INSERT INTO t VALUES (1)")
            }
            // Use a reader so that it, too, has the file open when the pool goes away.
            #expect(try pool.read { db in try db.fetchValue(Int64.self, "SELECT n FROM t") } == 1)
            #expect(fileExists(path + "-wal"))
        }
        #expect(!fileExists(path + "-wal"))
        #expect(!fileExists(path + "-shm"))
    }
}
