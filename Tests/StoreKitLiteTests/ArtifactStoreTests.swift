import Glibc
import Testing
@testable import StoreKitLite

@Suite struct ArtifactStoreTests {
    static func bytes(_ n: Int, seed: UInt8 = 1) -> [UInt8] {
        (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ Int(seed)) }
    }

    static func store(_ dir: TemporaryDirectory, limit: Int64? = nil) throws -> ArtifactStore {
        var configuration = ArtifactStore.Configuration()
        if let limit { configuration.maximumArtifactBytes = limit }
        configuration.chunkBytes = 4096
        return try ArtifactStore(directory: dir.file("artifacts"), configuration: configuration)
    }

    @Test func putStoresUnderTheContentAddress() throws {
        let dir = try TemporaryDirectory()
        let store = try Self.store(dir)
        let content = Self.bytes(10_000)
        let artifact = try store.put(content)
        #expect(artifact.digest == SHA256.hash(content))
        #expect(artifact.size == 10_000)
        let hex = artifact.digest.hex
        #expect(store.path(for: artifact.digest) == dir.file("artifacts/sha256/\(hex.prefix(2))/\(hex)"))
        #expect(try readFile(store.path(for: artifact.digest)) == content)
        #expect(try store.read(artifact.digest) == content)
        #expect(try FileSystem.entries(dir.file("artifacts/tmp")).isEmpty)
    }

    @Test func putIsIdempotent() throws {
        let dir = try TemporaryDirectory()
        let store = try Self.store(dir)
        let a = try store.put(Self.bytes(500))
        let b = try store.put(Self.bytes(500))
        #expect(a == b)
        #expect(try store.allDigests() == [a.digest])
        #expect(try FileSystem.entries(dir.file("artifacts/tmp")).isEmpty)
        let empty = try store.put([])
        #expect(empty.digest.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(try store.read(empty.digest) == [])
    }

    @Test func streamingWriteMatchesOneShot() throws {
        let dir = try TemporaryDirectory()
        let store = try Self.store(dir)
        let content = Self.bytes(100_003, seed: 9)
        let writer = try store.makeWriter()
        var offset = 0
        var chunk = 1
        while offset < content.count {
            let end = min(content.count, offset + chunk)
            try writer.write(Array(content[offset..<end]))
            offset = end
            chunk = chunk * 7 % 8191 + 1
        }
        #expect(writer.bytesWritten == 100_003)
        let artifact = try writer.finish()
        #expect(artifact.digest == SHA256.hash(content))
        #expect(try store.read(artifact.digest) == content)
        #expect(throws: StoreError.self) { _ = try writer.finish() }
    }

    @Test func expectedDigestMismatchStoresNothing() throws {
        let dir = try TemporaryDirectory()
        let store = try Self.store(dir)
        let writer = try store.makeWriter()
        try writer.write(Self.bytes(10))
        let error = #expect(throws: StoreError.self) { _ = try writer.finish(expecting: SHA256.hash(Self.bytes(11))) }
        #expect(error?.code == .invalidArgument)
        #expect(try store.allDigests().isEmpty)
        #expect(try FileSystem.entries(dir.file("artifacts/tmp")).isEmpty)
    }

    @Test func sizeLimitIsEnforcedWhileStreaming() throws {
        let dir = try TemporaryDirectory()
        let store = try Self.store(dir, limit: 1000)
        #expect(throws: StoreError.self) { _ = try store.put(Self.bytes(1001)) }
        let writer = try store.makeWriter()
        try writer.write(Self.bytes(600))
        let error = #expect(throws: StoreError.self) { try writer.write(Self.bytes(401)) }
        #expect(error?.code == .tooLarge)
        #expect(try FileSystem.entries(dir.file("artifacts/tmp")).isEmpty)
        #expect(throws: StoreError.self) { _ = try writer.finish() }
        _ = try store.put(Self.bytes(1000))
    }

    @Test func abandonedWriterLeavesNoTemporaryFile() throws {
        let dir = try TemporaryDirectory()
        let store = try Self.store(dir)
        do {
            let writer = try store.makeWriter()
            try writer.write(Self.bytes(100))
            #expect(try FileSystem.entries(dir.file("artifacts/tmp")).count == 1)
        }
        #expect(try FileSystem.entries(dir.file("artifacts/tmp")).isEmpty)
        let cancelled = try store.makeWriter()
        try cancelled.write(Self.bytes(100))
        cancelled.cancel()
        #expect(try FileSystem.entries(dir.file("artifacts/tmp")).isEmpty)
        #expect(try store.allDigests().isEmpty)
    }

    @Test func corruptedBlobIsDetectedAndRepairedByAReupload() throws {
        let dir = try TemporaryDirectory()
        let store = try Self.store(dir)
        let content = Self.bytes(20_000)
        let artifact = try store.put(content)
        try overwriteFile(store.path(for: artifact.digest), at: 12_345, with: [0xFF, 0x00])
        let readError = #expect(throws: StoreError.self) { _ = try store.read(artifact.digest) }
        #expect(readError?.code == .corrupt)
        let verifyError = #expect(throws: StoreError.self) { try store.verify(artifact.digest) }
        #expect(verifyError?.code == .corrupt)
        #expect(throws: StoreError.self) { _ = try store.existing(artifact.digest) }
        // Truncation too.
        #expect(truncate(store.path(for: artifact.digest), 100) == 0)
        #expect(throws: StoreError.self) { _ = try store.read(artifact.digest) }
        _ = try store.put(content)
        #expect(try store.read(artifact.digest) == content)
    }

    @Test func missingBlobIsNotFound() throws {
        let dir = try TemporaryDirectory()
        let store = try Self.store(dir)
        let digest = SHA256.hash(Self.bytes(3))
        #expect(!store.contains(digest))
        #expect(try store.existing(digest) == nil)
        let error = #expect(throws: StoreError.self) { _ = try store.read(digest) }
        #expect(error?.code == .notFound)
    }

    @Test func removeDeletesTheBlob() throws {
        let dir = try TemporaryDirectory()
        let store = try Self.store(dir)
        let artifact = try store.put(Self.bytes(64))
        try store.remove(artifact.digest)
        #expect(!store.contains(artifact.digest))
        try store.remove(artifact.digest)  // absent is fine
    }

    @Test func cleanOrphansKeepsReferencedAndRecentFiles() throws {
        let dir = try TemporaryDirectory()
        let store = try Self.store(dir)
        let kept = try store.put(Self.bytes(100, seed: 1))
        let orphan = try store.put(Self.bytes(200, seed: 2))
        try writeFile(dir.file("artifacts/tmp/crashed.tmp"), Self.bytes(50))
        try writeFile(dir.file("artifacts/sha256/\(kept.digest.hex.prefix(2))/README"), [1])
        let live = try store.makeWriter()
        try live.write(Self.bytes(10))

        // Everything is recent: the default grace spares it all.
        let spared = try store.cleanOrphans(keeping: [kept.digest.hex])
        #expect(spared == ArtifactStore.CleaningReport())

        let report = try store.cleanOrphans(keeping: [kept.digest.hex.uppercased(), "../../etc/passwd", "zz"], minimumAgeSeconds: 0)
        #expect(report.blobs == 1)
        #expect(report.temporaryFiles == 1)
        #expect(report.bytes == 250)
        #expect(store.contains(kept.digest))
        #expect(!store.contains(orphan.digest))
        #expect(fileExists(dir.file("artifacts/sha256/\(kept.digest.hex.prefix(2))/README")))
        // The live writer's temporary file survived and it can still finish.
        let finished = try live.finish()
        #expect(try store.read(finished.digest) == Self.bytes(10))
    }

    @Test func readOnlyStoreRefusesWrites() throws {
        let dir = try TemporaryDirectory()
        let writable = try Self.store(dir)
        let artifact = try writable.put(Self.bytes(10))
        var configuration = ArtifactStore.Configuration()
        configuration.readOnly = true
        let store = try ArtifactStore(directory: dir.file("artifacts"), configuration: configuration)
        #expect(try store.read(artifact.digest) == Self.bytes(10))
        #expect(throws: StoreError.self) { _ = try store.makeWriter() }
        #expect(throws: StoreError.self) { try store.remove(artifact.digest) }
        #expect(throws: StoreError.self) { _ = try store.cleanOrphans(keeping: []) }
    }

    @Test func unwritableDataDirectoryIsAClearError() throws {
        let dir = try TemporaryDirectory()
        let data = dir.file("data")
        mkdir(data, 0o555)
        try asUnprivilegedFilesystemUser {
            let error = #expect(throws: StoreError.self) { _ = try ArtifactStore(directory: data + "/artifacts") }
            #expect(error?.code == .io)
            #expect(error?.message.contains("writable") == true)
        }
    }
}
