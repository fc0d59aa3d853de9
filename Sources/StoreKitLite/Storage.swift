/// The data directory: `monolith.sqlite` (metadata) and `artifacts/` (model files), opened
/// together, with the crash-recovery pass a server runs at start.
///
/// Layout (DESIGN.md "On disk"): `<directory>/monolith.sqlite` in WAL mode,
/// `<directory>/artifacts/sha256/ab/<hex>`, `<directory>/artifacts/tmp/`.
public final class Storage: Sendable {
    /// Settings for both stores.
    public struct Configuration: Sendable {
        /// Metadata store settings (pool, limits, clock).
        public var metadata = MetadataStore.Configuration()
        /// Artifact store settings (size limit).
        public var artifacts = ArtifactStore.Configuration()
        /// Open both read-only (replicas serving a registry baked into the image).
        public var readOnly = false
        /// With `readOnly`: the files never change while open (read-only mount).
        public var immutable = false

        /// The default settings.
        public init() {}
    }

    /// What `recover` found and did.
    public struct RecoveryReport: Sendable {
        /// Versions left `loading` (a crash or a stop during their load): reload them or
        /// mark them failed.
        public var interruptedVersions: [ModelVersion] = []
        /// Versions whose artifact file is missing or has the wrong size (or, with
        /// `verifyHashes`, the wrong hash). Never served; the caller marks them failed.
        public var damagedVersions: [(version: ModelVersion, problem: String)] = []
        /// Orphans removed from the artifact store.
        public var cleaned = ArtifactStore.CleaningReport()
    }

    /// The data directory.
    public let directory: String
    /// Models, versions, aliases, keys, tracking.
    public let metadata: MetadataStore
    /// Model files.
    public let artifacts: ArtifactStore

    /// The metadata file name inside the directory.
    public static let databaseFileName = "monolith.sqlite"

    /// Opens (creating unless read-only) the data directory and migrates the database.
    public init(directory: String, configuration: Configuration = Configuration()) throws {
        self.directory = directory
        var metadataConfiguration = configuration.metadata
        var artifactConfiguration = configuration.artifacts
        if configuration.readOnly {
            metadataConfiguration.pool.readOnly = true
            metadataConfiguration.pool.immutable = configuration.immutable
            artifactConfiguration.readOnly = true
        } else {
            try FileSystem.makeDirectory(directory)
        }
        self.metadata = try MetadataStore(path: directory + "/" + Storage.databaseFileName, configuration: metadataConfiguration)
        self.artifacts = try ArtifactStore(directory: directory + "/artifacts", configuration: artifactConfiguration)
    }

    /// Stores bytes durably, then records them as a version in one transaction: the order
    /// that keeps a crash from ever exposing a version without its file.
    @discardableResult
    public func createVersion(
        model: String, bytes: [UInt8], format: String = "onnx", source: VersionSource,
        signature: String? = nil, metadata json: String? = nil, status: VersionStatus = .loading,
        number: Int64? = nil, actor: String? = nil
    ) throws -> ModelVersion {
        let artifact = try artifacts.put(bytes)
        return try metadata.createVersion(
            model: model,
            NewModelVersion(artifact: artifact, format: format, source: source, signature: signature, metadata: json,
                            status: status, number: number),
            actor: actor)
    }

    /// The start-up pass after a crash: lists versions left loading, checks that every
    /// version's artifact is present with its size (and hash with `verifyHashes`), and
    /// removes temporary files and unreferenced blobs older than `orphanMinimumAgeSeconds`.
    /// Changes no version row: the caller decides what to reload or mark failed.
    public func recover(verifyHashes: Bool = false, orphanMinimumAgeSeconds: Int64 = 300) throws -> RecoveryReport {
        var report = RecoveryReport()
        report.interruptedVersions = try metadata.versions(withStatus: .loading)
        let snapshot = try metadata.registrySnapshot()
        for entry in snapshot.models.values.sorted(by: { $0.model.name < $1.model.name }) {
            for version in entry.versions {
                if let problem = artifactProblem(version, verifyHash: verifyHashes) {
                    report.damagedVersions.append((version, problem))
                }
            }
        }
        if !artifacts.configuration.readOnly {
            report.cleaned = try artifacts.cleanOrphans(keeping: try metadata.referencedDigests(),
                                                       minimumAgeSeconds: orphanMinimumAgeSeconds)
        }
        return report
    }

    private func artifactProblem(_ version: ModelVersion, verifyHash: Bool) -> String? {
        let path = artifacts.path(for: version.sha256)
        do {
            guard let info = try FileSystem.status(path), FileSystem.isRegularFile(info) else {
                return "artifact sha256:\(version.sha256.hex) is missing"
            }
            guard Int64(info.st_size) == version.size else {
                return "artifact sha256:\(version.sha256.hex) has \(info.st_size) bytes, expected \(version.size)"
            }
            if verifyHash { try artifacts.verify(version.sha256) }
            return nil
        } catch {
            return String(describing: error)
        }
    }
}
