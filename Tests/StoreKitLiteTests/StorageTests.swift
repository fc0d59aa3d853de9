import Glibc
import Testing
@testable import StoreKitLite

@Suite struct StorageTests {
    @Test func opensTheDataDirectoryLayout() throws {
        let dir = try TemporaryDirectory()
        let data = dir.file("data")
        let storage = try Storage(directory: data)
        let version = try storage.createVersion(model: "iris", bytes: [1, 2, 3], source: VersionSource(kind: .upload, location: "x.onnx"))
        #expect(fileExists(data + "/monolith.sqlite"))
        #expect(fileExists(data + "/artifacts/sha256/\(version.sha256.hex.prefix(2))/\(version.sha256.hex)"))
        #expect(fileExists(data + "/artifacts/tmp"))
        #expect(try storage.artifacts.read(version.sha256) == [1, 2, 3])
    }

    @Test func recoveryReportsInterruptedAndDamagedVersionsAndCleansOrphans() throws {
        let dir = try TemporaryDirectory()
        let data = dir.file("data")
        do {
            let storage = try Storage(directory: data)
            try storage.createVersion(model: "a", bytes: Array("ready".utf8), source: VersionSource(kind: .upload, location: ""), status: .ready)
            try storage.createVersion(model: "a", bytes: Array("loading".utf8), source: VersionSource(kind: .upload, location: ""))
            try storage.createVersion(model: "b", bytes: Array("deleted".utf8), source: VersionSource(kind: .upload, location: ""), status: .ready)
            try storage.createVersion(model: "c", bytes: Array("flipped".utf8), source: VersionSource(kind: .upload, location: ""), status: .ready)
            // A crash between "artifact durable" and "version row": an orphan blob; and a
            // crash mid-upload: a temporary file.
            _ = try storage.artifacts.put(Array("orphan".utf8))
            try writeFile(data + "/artifacts/tmp/123.tmp", [0, 0, 0])
        }
        let storage = try Storage(directory: data)
        let deleted = try storage.metadata.version(model: "b", number: 1)
        unlink(storage.artifacts.path(for: deleted.sha256))
        let flipped = try storage.metadata.version(model: "c", number: 1)
        try overwriteFile(storage.artifacts.path(for: flipped.sha256), at: 0, with: [UInt8(ascii: "F")])

        let quick = try storage.recover(orphanMinimumAgeSeconds: 0)
        #expect(quick.interruptedVersions.map { "\($0.modelName)/\($0.version)" } == ["a/2"])
        #expect(quick.damagedVersions.map { "\($0.version.modelName)/\($0.version.version)" } == ["b/1"])
        #expect(quick.damagedVersions.first?.problem.contains("missing") == true)
        #expect(quick.cleaned.blobs == 1)
        #expect(quick.cleaned.temporaryFiles == 1)
        #expect(!storage.artifacts.contains(SHA256.hash(Array("orphan".utf8))))

        let thorough = try storage.recover(verifyHashes: true, orphanMinimumAgeSeconds: 0)
        #expect(thorough.damagedVersions.map { "\($0.version.modelName)/\($0.version.version)" } == ["b/1", "c/1"])
        #expect(thorough.damagedVersions.last?.problem.contains("corrupt") == true)
        // Recovery changed no version.
        #expect(try storage.metadata.version(model: "a", number: 2).status == .loading)
        #expect(try storage.metadata.integrityCheck().isEmpty)
    }

    @Test func readOnlyStorageServesWhatIsThere() throws {
        let dir = try TemporaryDirectory()
        let data = dir.file("data")
        do {
            let storage = try Storage(directory: data)
            try storage.createVersion(model: "a", bytes: [9], source: VersionSource(kind: .upload, location: ""), status: .ready)
        }
        chmod(data, 0o555)
        try asUnprivilegedFilesystemUser {
            var configuration = Storage.Configuration()
            configuration.readOnly = true
            configuration.immutable = true
            let storage = try Storage(directory: data, configuration: configuration)
            let version = try storage.metadata.resolve(model: "a")
            #expect(try storage.artifacts.read(version.sha256) == [9])
            let report = try storage.recover()
            #expect(report.damagedVersions.isEmpty)
        }
    }
}
