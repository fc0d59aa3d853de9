import Glibc

/// A streaming write into the artifact store.
///
/// Chunks are appended to a temporary file and hashed as they come; `finish` fsyncs the
/// file, renames it to its content address and fsyncs the directory. Dropping the writer
/// without finishing (or `cancel`) removes the temporary file. One owner: not `Sendable`.
public final class ArtifactWriter {
    private let store: ArtifactStore
    private let temporaryName: String
    private let temporaryPath: String
    private var fd: Int32
    private var hasher = SHA256()
    private var done = false
    /// Bytes written so far.
    public private(set) var bytesWritten: Int64 = 0

    init(store: ArtifactStore) throws {
        self.store = store
        var generator = SystemRandomNumberGenerator()
        var opened: (String, Int32)?
        // O_EXCL with a random name: never reuse or follow another file.
        for _ in 0..<8 {
            let name = String(generator.next() as UInt64, radix: 16) + ".tmp"
            let path = store.temporaryDirectory + "/" + name
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
            if fd >= 0 {
                opened = (name, fd)
                break
            }
            if errno != EEXIST { throw FileSystem.ioError("cannot create temporary file", path) }
        }
        guard let (name, fd) = opened else {
            throw StoreError(.io, "cannot create a temporary file in '\(store.temporaryDirectory)'")
        }
        self.temporaryName = name
        self.temporaryPath = store.temporaryDirectory + "/" + name
        self.fd = fd
        store.activeTemporaryFiles.withLock { _ = $0.insert(name) }
    }

    deinit { discard() }

    /// Appends a chunk. Exceeding the store's size limit throws `.tooLarge` and discards
    /// the write.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !done else { throw StoreError(.invalidState, "artifact write already finished") }
        guard Int64(bytes.count) <= store.configuration.maximumArtifactBytes - bytesWritten else {
            discard()
            throw StoreError(.tooLarge, "artifact exceeds the limit of \(store.configuration.maximumArtifactBytes) bytes")
        }
        do {
            try FileSystem.writeAll(fd, bytes, path: temporaryPath)
        } catch {
            discard()
            throw error
        }
        hasher.update(bytes)
        bytesWritten += Int64(bytes.count)
    }

    /// Appends a chunk.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Makes the content durable under its digest and returns it. With `expecting`, a
    /// different digest throws `.invalidArgument` and nothing is stored.
    public func finish(expecting expected: SHA256Digest? = nil) throws -> StoredArtifact {
        guard !done else { throw StoreError(.invalidState, "artifact write already finished") }
        let digest = hasher.finalize()
        if let expected, expected != digest {
            discard()
            throw StoreError(.invalidArgument, "content has sha256 \(digest.hex), not the expected \(expected.hex)")
        }
        do {
            guard fsync(fd) == 0 else { throw FileSystem.ioError("cannot sync", temporaryPath) }
            guard close(fd) == 0 else {
                fd = -1
                throw FileSystem.ioError("cannot close", temporaryPath)
            }
            fd = -1
            let shard = store.shardDirectory(for: digest)
            if try FileSystem.makeDirectory(shard) {
                try FileSystem.syncDirectory(store.blobsDirectory)
            }
            let destination = store.path(for: digest)
            // rename(2) replaces atomically: a present copy (maybe damaged) is swapped for
            // this verified one, and readers see either whole file.
            guard rename(temporaryPath, destination) == 0 else {
                throw FileSystem.ioError("cannot move artifact into place at", destination)
            }
            done = true
            store.activeTemporaryFiles.withLock { _ = $0.remove(temporaryName) }
            try FileSystem.syncDirectory(shard)
        } catch {
            discard()
            throw error
        }
        return StoredArtifact(digest: digest, size: bytesWritten)
    }

    /// Abandons the write and removes the temporary file.
    public func cancel() { discard() }

    private func discard() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        if !done {
            done = true
            unlink(temporaryPath)
            store.activeTemporaryFiles.withLock { _ = $0.remove(temporaryName) }
        }
    }
}
