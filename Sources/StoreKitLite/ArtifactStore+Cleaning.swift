import Glibc

extension ArtifactStore {
    /// What `cleanOrphans` removed.
    public struct CleaningReport: Sendable, Hashable {
        /// Temporary files left by interrupted writes.
        public var temporaryFiles = 0
        /// Blobs no version references.
        public var blobs = 0
        /// Bytes freed.
        public var bytes: Int64 = 0
    }

    /// Removes temporary files of interrupted writes and blobs whose digest is not in
    /// `keeping` (the digests the metadata store references, as hex).
    ///
    /// Files modified less than `minimumAgeSeconds` ago are spared: another process (the CLI)
    /// may have just written a blob whose version row it has not committed yet, and `put`
    /// refreshes the time of a blob it reuses for the same reason. Temporary files of writers
    /// alive in this process are always spared. Entries in `keeping` that are not valid hex
    /// digests are ignored (they can never name a file).
    @discardableResult
    public func cleanOrphans(keeping: Set<String>, minimumAgeSeconds: Int64 = 300) throws -> CleaningReport {
        guard !configuration.readOnly else { throw StoreError(.readOnly, "the artifact store is read-only") }
        var keep = Set<SHA256Digest>()
        for hex in keeping {
            if let digest = SHA256Digest(hex: hex) { keep.insert(digest) }
        }
        let cutoff = FileSystem.now() - max(0, minimumAgeSeconds)
        var report = CleaningReport()
        let active = activeTemporaryFiles.withLock { $0 }
        for name in try FileSystem.entries(temporaryDirectory) where !active.contains(name) {
            let path = temporaryDirectory + "/" + name
            guard let info = try FileSystem.status(path), FileSystem.isRegularFile(info),
                  Int64(info.st_mtim.tv_sec) <= cutoff else { continue }
            if unlink(path) == 0 {
                report.temporaryFiles += 1
                report.bytes += Int64(info.st_size)
            }
        }
        for digest in try allDigests() where !keep.contains(digest) {
            let path = path(for: digest)
            guard let info = try FileSystem.status(path), FileSystem.isRegularFile(info),
                  Int64(info.st_mtim.tv_sec) <= cutoff else { continue }
            if unlink(path) == 0 {
                report.blobs += 1
                report.bytes += Int64(info.st_size)
            }
        }
        return report
    }
}
