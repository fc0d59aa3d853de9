import Glibc
import Testing
@testable import StoreKitLite

@Suite struct DatabaseTests {
    @Test func valuesRoundTripThroughEveryStorageClass() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t (v ANY) STRICT")
        let values: [DatabaseValue] = [
            .null, .integer(Int64.min), .integer(Int64.max), .real(-0.5), .real(.infinity),
            .text(""), .text("héllo\u{0}wörld"), .blob([]), .blob([0, 1, 255]),
        ]
        for value in values {
            try db.execute("INSERT INTO t (v) VALUES (?)", StatementArguments([value]))
        }
        let read = try db.fetchAll("SELECT v FROM t ORDER BY rowid") { $0[0] }
        #expect(read == values)
        // Empty text and empty blob are not NULL.
        #expect(try db.fetchValue(Int64.self, "SELECT count(*) FROM t WHERE v IS NULL") == 1)
    }

    @Test func positionalAndNamedArguments() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t (a INTEGER, b TEXT, c REAL, d BLOB)")
        try db.execute("INSERT INTO t VALUES (?, ?, ?, ?)", [Int64(1), "x", 2.5, [UInt8]([9])])
        try db.execute("INSERT INTO t VALUES (:a, :b, :c, :d)", [":a": Int64(2), ":b": "y", ":c": nil, ":d": nil])
        let rows = try db.fetchAll("SELECT a, b, c, d FROM t ORDER BY a") { row in
            (try row.int64(0), try row.string(1), try row.decodeIfPresent(Double.self, at: 2), try row.decodeIfPresent([UInt8].self, at: 3))
        }
        #expect(rows.count == 2)
        #expect(rows[0].0 == 1 && rows[0].1 == "x" && rows[0].2 == 2.5 && rows[0].3 == [9])
        #expect(rows[1].0 == 2 && rows[1].1 == "y" && rows[1].2 == nil && rows[1].3 == nil)
        let byName = try db.fetchOne("SELECT a AS first, b AS second FROM t WHERE a = ?", [Int64(2)]) { row in
            (try row.decode(Int64.self, named: "first"), try row.decode(String.self, named: "second"))
        }
        #expect(byName?.0 == 2 && byName?.1 == "y")
    }

    @Test func wrongArgumentsAreErrors() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t (a INTEGER)")
        #expect(throws: DatabaseError.self) { try db.execute("INSERT INTO t VALUES (?)", [Int64(1), Int64(2)]) }
        #expect(throws: DatabaseError.self) { try db.execute("INSERT INTO t VALUES (:a)", [":b": Int64(1)]) }
    }

    @Test func typeMismatchIsAnErrorNotACrash() throws {
        let db = try Database.inMemory()
        let error = #expect(throws: DatabaseError.self) {
            _ = try db.fetchOne("SELECT 'text'") { try $0.int64(0) }
        }
        #expect(error?.resultCode == .mismatch)
        #expect(try db.fetchOne("SELECT NULL") { try $0.optionalInt64(0) } == .some(nil))
        #expect(throws: DatabaseError.self) { _ = try db.fetchOne("SELECT NULL") { try $0.string(0) } }
    }

    @Test func syntaxErrorCarriesCodeMessageAndSQL() throws {
        let db = try Database.inMemory()
        let error = #expect(throws: DatabaseError.self) { try db.execute("SELEC 1") }
        #expect(error?.resultCode == .error)
        #expect(error?.sql == "SELEC 1")
        #expect(error?.message.contains("syntax error") == true)
    }

    @Test func oneStatementAtATime() throws {
        let db = try Database.inMemory()
        #expect(throws: DatabaseError.self) { _ = try db.makeStatement("SELECT 1; SELECT 2") }
        // Trailing blanks, semicolons and comments are fine.
        _ = try db.makeStatement("SELECT 1; -- comment\n ;")
        try db.executeScript("CREATE TABLE a (x); CREATE TABLE b (y);")
        #expect(try db.fetchValue(Int64.self, "SELECT count(*) FROM sqlite_master") == 2)
    }

    @Test func errorsNeverCarryBoundValues() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE k (hash TEXT UNIQUE, n INTEGER CHECK (n > 0))")
        let secret = "s3cr3t-key-material"
        try db.execute("INSERT INTO k VALUES (?, 1)", [secret])
        let error = #expect(throws: DatabaseError.self) { try db.execute("INSERT INTO k VALUES (?, 1)", [secret]) }
        #expect(error?.isUniqueViolation == true)
        #expect(error?.extendedResultCode == .constraintUnique)
        #expect(error.map { String(describing: $0).contains(secret) } == false)
        let check = #expect(throws: DatabaseError.self) { try db.execute("INSERT INTO k VALUES (?, -1)", [secret + "2"]) }
        #expect(check?.extendedResultCode == .constraintCheck)
        #expect(check.map { String(describing: $0).contains(secret) } == false)
    }

    @Test func foreignKeysAreEnforced() throws {
        let db = try Database.inMemory()
        try db.executeScript("CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p INTEGER REFERENCES p(id));")
        let error = #expect(throws: DatabaseError.self) { try db.execute("INSERT INTO c VALUES (42)") }
        #expect(error?.extendedResultCode == .constraintForeignKey)
    }

    @Test func transactionCommitsOrRollsBack() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t (a INTEGER)")
        try db.transaction(.immediate) { try db.execute("INSERT INTO t VALUES (1)") }
        #expect(throws: TestFailure.self) {
            try db.transaction {
                try db.execute("INSERT INTO t VALUES (2)")
                throw TestFailure("boom")
            }
        }
        #expect(try db.fetchAll("SELECT a FROM t") { try $0.int64(0) } == [1])
        #expect(!db.isInsideTransaction)
        // No nesting: a savepoint is the way.
        var nestedError: (any Error)?
        var savepointError: (any Error)?
        try db.transaction {
            do { try db.transaction {} } catch { nestedError = error }
            try db.execute("INSERT INTO t VALUES (3)")
            do {
                try db.savepoint {
                    try db.execute("INSERT INTO t VALUES (4)")
                    throw TestFailure("inner")
                }
            } catch { savepointError = error }
            try db.savepoint { try db.execute("INSERT INTO t VALUES (5)") }
        }
        #expect((nestedError as? DatabaseError)?.resultCode == .misuse)
        #expect(savepointError is TestFailure)
        #expect(try db.fetchAll("SELECT a FROM t ORDER BY a") { try $0.int64(0) } == [1, 3, 5])
    }

    @Test func savepointOutsideATransaction() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t (a INTEGER)")
        #expect(throws: TestFailure.self) {
            try db.savepoint {
                try db.execute("INSERT INTO t VALUES (1)")
                throw TestFailure("x")
            }
        }
        try db.savepoint { try db.execute("INSERT INTO t VALUES (2)") }
        #expect(!db.isInsideTransaction)
        #expect(try db.fetchAll("SELECT a FROM t") { try $0.int64(0) } == [2])
    }

    @Test func fileDatabaseIsSetUpForWAL() throws {
        let dir = try TemporaryDirectory()
        let db = try Database(path: dir.file("a.sqlite"))
        #expect(try db.journalMode() == "wal")
        #expect(try db.fetchValue(Int64.self, "PRAGMA synchronous") == 1)  // NORMAL
        #expect(try db.fetchValue(Int64.self, "PRAGMA foreign_keys") == 1)
        #expect(try db.integrityCheck().isEmpty)
        try db.execute("CREATE TABLE t (a)")
        try db.checkpoint()
        let memory = try Database.inMemory()
        #expect(try memory.journalMode() == "memory")
    }

    @Test func nonDatabaseFileFailsFastWithAClearError() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("notes.sqlite")
        try writeFile(path, Array(repeating: UInt8(ascii: "x"), count: 8192))
        let error = #expect(throws: DatabaseError.self) { _ = try Database(path: path) }
        #expect(error?.resultCode == .notadb)
        #expect(error?.message.contains("is not a SQLite database") == true)
        #expect(error?.message.contains(path) == true)
        // The file was not touched.
        #expect(try readFile(path) == Array(repeating: UInt8(ascii: "x"), count: 8192))
    }

    @Test func corruptPagesAreReportedNotCrashed() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("c.sqlite")
        do {
            let db = try Database(path: path)
            try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
            try db.execute("CREATE INDEX t_v ON t(v)")
            try db.transaction {
                for i in 0..<2000 { try db.execute("INSERT INTO t (v) VALUES (?)", ["value \(i) " + String(repeating: "z", count: 50)]) }
            }
            try db.checkpoint()
        }
        // Scribble over pages past the schema page.
        try overwriteFile(path, at: 4096 * 3 + 100, with: Array(repeating: 0xA5, count: 4096 * 4))
        do {
            let db = try Database(path: path)
            let problems = try db.integrityCheck()
            #expect(!problems.isEmpty)
        } catch {
            #expect(error.resultCode == .corrupt)
        }
    }

    @Test func missingFileInReadWriteModeIsCantOpen() throws {
        let dir = try TemporaryDirectory()
        let error = #expect(throws: DatabaseError.self) { _ = try Database(path: dir.file("missing.sqlite"), mode: .readWrite) }
        #expect(error?.resultCode == .cantopen)
        #expect(error?.message.contains("missing.sqlite") == true)
    }

    @Test func readOnlyConnectionRefusesWrites() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("r.sqlite")
        let writer = try Database(path: path)
        try writer.execute("CREATE TABLE t (a)")
        try writer.execute("INSERT INTO t VALUES (1)")
        let reader = try Database(path: path, mode: .readOnly)
        #expect(reader.isReadOnly)
        #expect(try reader.fetchValue(Int64.self, "SELECT a FROM t") == 1)
        let error = #expect(throws: DatabaseError.self) { try reader.execute("INSERT INTO t VALUES (2)") }
        #expect(error?.resultCode == .readonly)
    }

    @Test func readOnlyDirectoryGivesClearErrors() throws {
        let dir = try TemporaryDirectory()
        let dataDir = dir.file("data")
        mkdir(dataDir, 0o755)
        let path = dataDir + "/db.sqlite"
        do {
            let db = try Database(path: path)
            try db.execute("CREATE TABLE t (a)")
            try db.execute("INSERT INTO t VALUES (7)")
        }
        // Closing the last connection checkpoints and removes -wal and -shm.
        #expect(!fileExists(path + "-wal"))
        chmod(path, 0o666)
        chmod(dataDir, 0o555)
        try asUnprivilegedFilesystemUser {
            // A new database cannot be created.
            let create = #expect(throws: DatabaseError.self) { _ = try Database(path: dataDir + "/new.sqlite") }
            #expect(create?.resultCode == .cantopen)
            // The existing one cannot get its WAL files.
            let write = #expect(throws: DatabaseError.self) { _ = try Database(path: path) }
            #expect(write?.message.contains("directory writable") == true)
            // Read-only needs the -shm file too, and says how to read it anyway.
            let read = #expect(throws: DatabaseError.self) { _ = try Database(path: path, mode: .readOnly) }
            #expect(read?.message.contains("immutable") == true)
            // Immutable reads work on a read-only directory.
            let immutable = try Database(path: path, mode: .immutable)
            #expect(try immutable.fetchValue(Int64.self, "SELECT a FROM t") == 7)
        }
    }

    @Test func readOnlyFileInReadWriteModeIsRefused() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("ro.sqlite")
        do {
            let db = try Database(path: path)
            try db.execute("CREATE TABLE t (a)")
        }
        chmod(path, 0o444)
        try asUnprivilegedFilesystemUser {
            let error = #expect(throws: DatabaseError.self) { _ = try Database(path: path) }
            #expect(error?.resultCode == .readonly || error?.resultCode == .cantopen)
        }
    }

    @Test func immutablePathsAreEscaped() {
        #expect(Database.percentEncodedPath("/a b/c?d#e%f") == "/a b/c%3Fd%23e%25f")
    }
}

@Suite struct StatementReuseTests {
    @Test func theSameQueryNestedInItsOwnRowLoopWorks() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t (n INTEGER)")
        for n in 1...3 { try db.execute("INSERT INTO t VALUES (?)", [Int64(n)]) }
        var pairs: [Int64] = []
        try db.cachedStatement("SELECT n FROM t ORDER BY n").forEachRow { outer in
            let n = try outer.int64(0)
            let inner = try db.fetchAll("SELECT n FROM t ORDER BY n") { try $0.int64(0) }
            pairs.append(n * 10 + Int64(inner.count))
        }
        #expect(pairs == [13, 23, 33])
    }
}
