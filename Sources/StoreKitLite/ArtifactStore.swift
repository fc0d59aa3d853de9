import Glibc
import Synchronization

/// An artifact that is durable in the store: its bytes are on disk under their SHA-256,
/// fsynced, and the directory entry too.
///
/// Only the store makes these (`put`, `ArtifactWriter.finish`, `existing`), so code holding
/// one knows the file is there: the metadata store takes one to create a version, which makes
/// "artifact durable, then version row" the natural order.
public struct StoredArtifact: Sendable, Hashable {
    /// The content's SHA-256.
    public let digest: SHA256Digest
    /// The size in bytes.
    public let size: Int64

    init(digest: SHA256Digest, size: Int64) {
        self.digest = digest
        self.size = size
    }
}

/// Model files, content-addressed by SHA-256 under `<directory>/sha256/ab/<hex>`.
///
/// Writes go to `<directory>/tmp/`, are fsynced, renamed into place and the directory is
/// fsynced (https://lwn.net/Articles/457667/ for why each step), so a crash leaves either no
/// file or the whole file under its hash, never a partial one. Reads verify the hash.
/// Thread-safe: any thread may put, read or remove. Every method throws `StoreError`.
public final class ArtifactStore: Sendable {
    /// Store settings.
    public struct Configuration: Sendable {
        /// The largest artifact accepted, in bytes.
        public var maximumArtifactBytes: Int64 = 4 << 30
        /// Refuse every write.
        public var readOnly = false
        /// The I/O chunk size for streaming reads and hashing.
        public var chunkBytes = 1 << 20

        /// The default settings.
        public init() {}
    }

    /// The store's root directory (`$MONOLITH_DATA/artifacts`).
    public let directory: String
    /// The settings.
    public let configuration: Configuration
    let blobsDirectory: String
    let temporaryDirectory: String
    /// Temporary files of writers alive in this process, which cleaning must not remove.
    let activeTemporaryFiles = Mutex<Set<String>>([])

    /// Opens the store, creating its directories unless read-only.
    public init(directory: String, configuration: Configuration = Configuration()) throws {
        self.directory = directory
        self.configuration = configuration
        self.blobsDirectory = directory + "/sha256"
        self.temporaryDirectory = directory + "/tmp"
        guard configuration.maximumArtifactBytes > 0, configuration.chunkBytes > 0 else {
            throw StoreError(.invalidArgument, "artifact store limits must be positive")
        }
        if !configuration.readOnly {
            var created = try FileSystem.makeDirectory(directory)
            created = try FileSystem.makeDirectory(blobsDirectory) || created
            created = try FileSystem.makeDirectory(temporaryDirectory) || created
            if created { try FileSystem.syncDirectory(directory) }
        }
    }

    /// The file path of a blob (its hex is validated by `SHA256Digest`, never taken raw).
    public func path(for digest: SHA256Digest) -> String {
        let hex = digest.hex
        return blobsDirectory + "/" + hex.prefix(2) + "/" + hex
    }

    func shardDirectory(for digest: SHA256Digest) -> String {
        blobsDirectory + "/" + digest.hex.prefix(2)
    }

    /// Whether a blob with this digest is present (not verified).
    public func contains(_ digest: SHA256Digest) -> Bool {
        (try? FileSystem.status(path(for: digest)).map(FileSystem.isRegularFile)) == true
    }

    // MARK: Writing

    /// Stores bytes; returns once they are durable. Idempotent: when a blob with the same
    /// content is present and intact, it is kept (and its time refreshed so that a concurrent
    /// `cleanOrphans` spares it until the caller records it).
    public func put(_ bytes: [UInt8]) throws -> StoredArtifact {
        try bytes.withUnsafeBytes { try put($0) }
    }

    /// Stores raw bytes; see `put(_:)`.
    public func put(_ bytes: UnsafeRawBufferPointer) throws -> StoredArtifact {
        guard Int64(bytes.count) <= configuration.maximumArtifactBytes else {
            throw StoreError(.tooLarge, "artifact of \(bytes.count) bytes exceeds the limit of \(configuration.maximumArtifactBytes) bytes")
        }
        let digest = SHA256.hash(bytes)
        if let present = try intactExisting(digest, expectedSize: Int64(bytes.count)) {
            return present
        }
        let writer = try makeWriter()
        try writer.write(bytes)
        return try writer.finish(expecting: digest)
    }

    /// Starts a streaming write: chunks are appended to a temporary file while hashed, so an
    /// upload is never held in memory whole.
    public func makeWriter() throws -> ArtifactWriter {
        guard !configuration.readOnly else { throw StoreError(.readOnly, "the artifact store is read-only") }
        return try ArtifactWriter(store: self)
    }

    /// Returns the artifact when a blob with this digest is present and its content hashes
    /// to it (a streaming check; nothing held in memory), nil when absent.
    public func existing(_ digest: SHA256Digest) throws -> StoredArtifact? {
        guard contains(digest) else { return nil }
        return try verify(digest)
    }

    private func intactExisting(_ digest: SHA256Digest, expectedSize: Int64) throws -> StoredArtifact? {
        let path = path(for: digest)
        guard let info = try FileSystem.status(path), FileSystem.isRegularFile(info), Int64(info.st_size) == expectedSize else {
            return nil
        }
        // A damaged copy is replaced by the new write, so re-uploading repairs it.
        guard (try? verify(digest)) != nil else { return nil }
        if !configuration.readOnly { FileSystem.touch(path) }
        return StoredArtifact(digest: digest, size: expectedSize)
    }

    // MARK: Reading

    /// Reads a whole blob and checks its hash. Throws `.notFound` when absent, `.corrupt`
    /// when the content does not match, `.tooLarge` when larger than the limit.
    public func read(_ digest: SHA256Digest) throws -> [UInt8] {
        let path = path(for: digest)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw StoreError(.notFound, "artifact sha256:\(digest.hex) is missing") }
            throw FileSystem.ioError("cannot open artifact", path)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileSystem.ioError("cannot stat artifact", path) }
        let size = Int64(info.st_size)
        guard size <= configuration.maximumArtifactBytes else {
            throw StoreError(.tooLarge, "artifact sha256:\(digest.hex) is \(size) bytes, over the limit of \(configuration.maximumArtifactBytes)")
        }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        var filled = 0
        try bytes.withUnsafeMutableBytes { (raw: UnsafeMutableRawBufferPointer) in
            while filled < raw.count {
                let n = try FileSystem.readSome(fd, into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...]), path: path)
                if n == 0 { break }
                filled += n
            }
        }
        guard filled == bytes.count else {
            throw StoreError(.corrupt, "artifact sha256:\(digest.hex) changed size while being read")
        }
        guard SHA256.hash(bytes) == digest else {
            throw StoreError(.corrupt, "artifact sha256:\(digest.hex) is corrupt: its content no longer matches its hash")
        }
        return bytes
    }

    /// Hashes a blob in chunks and checks it matches. Throws `.notFound` or `.corrupt`.
    @discardableResult
    public func verify(_ digest: SHA256Digest) throws -> StoredArtifact {
        let path = path(for: digest)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw StoreError(.notFound, "artifact sha256:\(digest.hex) is missing") }
            throw FileSystem.ioError("cannot open artifact", path)
        }
        defer { close(fd) }
        var hasher = SHA256()
        var size: Int64 = 0
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: configuration.chunkBytes, alignment: 16)
        defer { chunk.deallocate() }
        while true {
            let n = try FileSystem.readSome(fd, into: chunk, path: path)
            if n == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
            size += Int64(n)
        }
        guard hasher.finalize() == digest else {
            throw StoreError(.corrupt, "artifact sha256:\(digest.hex) is corrupt: its content no longer matches its hash")
        }
        return StoredArtifact(digest: digest, size: size)
    }

    // MARK: Removing

    /// Removes a blob; absent is fine. Callers remove only blobs no version references.
    public func remove(_ digest: SHA256Digest) throws {
        guard !configuration.readOnly else { throw StoreError(.readOnly, "the artifact store is read-only") }
        let path = path(for: digest)
        if unlink(path) != 0 && errno != ENOENT {
            throw FileSystem.ioError("cannot remove artifact", path)
        }
    }

    /// Every blob digest present, in no particular order. Files whose names are not a
    /// digest are ignored.
    public func allDigests() throws -> [SHA256Digest] {
        var digests: [SHA256Digest] = []
        for shard in try FileSystem.entries(blobsDirectory) where shard.utf8.count == 2 {
            for name in try FileSystem.entries(blobsDirectory + "/" + shard) {
                if let digest = SHA256Digest(hex: name), digest.hex == name, name.hasPrefix(shard) {
                    digests.append(digest)
                }
            }
        }
        return digests
    }
}

@available(*, unavailable)
extension ArtifactWriter: Sendable {}
