import Glibc
import HTTPKit
import ModelKit
import StoreKitLite

/// What to import as a new version.
struct ModelImportRequest: Sendable {
    /// The model's name (created when new).
    var name: String
    /// Where the file came from (`upload` with the file name, `registry` with its path…).
    var source = VersionSource(kind: .upload, location: "")
    /// Metadata as JSON text (an object: metrics, params, training info), if any.
    var metadata: String?
    /// Aliases to point at the new version once it is committed.
    var aliases: [String] = []
    /// A pinned version number (registry folders); nil for the next one.
    var number: Int64?
    /// Free text.
    var description = ""
    /// Who imports it.
    var userID: String?
    /// Version tags.
    var tags: [String: String] = [:]

    init(name: String, source: VersionSource = VersionSource(kind: .upload, location: ""), metadata: String? = nil,
         aliases: [String] = [], number: Int64? = nil) {
        self.name = name
        self.source = source
        self.metadata = metadata
        self.aliases = aliases
        self.number = number
    }
}

/// A version that was imported: its record and the model loaded while validating it.
struct ImportedVersion: Sendable {
    /// The committed version row (number, sha256, size, signature, aliases…).
    var record: ModelVersion
    /// The validated, loaded model, ready to serve.
    var model: LoadedModel
}

/// Imports model files as new versions: the one path shared by `monolith import` (any
/// process) and the HTTP upload (the server).
///
/// Order, so that a crash at any instant leaves the old state or the new one (DESIGN.md):
/// 1. the file streams into the artifact store's temporary file, hashed while written
///    (bounded by `ModelLimits.maxModelBytes`);
/// 2. it is loaded and validated with ModelKit (`Session`) from memory — a bad file is
///    refused here, with nothing stored (the temporary file is removed);
/// 3. the artifact is made durable (fsync, rename, fsync directory);
/// 4. the version row is committed, status `ready`, with its signature and metadata;
/// 5. aliases are set.
struct ModelImporter: Sendable {
    let store: MetadataStore
    let artifacts: ArtifactStore
    let limits: ModelLimits

    /// Imports the bytes `read` returns chunk by chunk (nil at the end). Throws
    /// `RegistryError` (a 4xx naming what is wrong for a bad file or argument), or the
    /// reader's own error (a client that went away, a body over the route's limit).
    func importModel(_ request: ModelImportRequest, read: () throws -> [UInt8]?) throws -> ImportedVersion {
        defer { ProcessMemory.releaseFreedMemory() }
        try ModelImporter.validate(name: request.name)
        for alias in request.aliases { try ModelImporter.validate(alias: alias) }
        let metadataValue = try ModelImporter.parseMetadata(request.metadata)
        let writer: ArtifactWriter
        do { writer = try artifacts.makeWriter() } catch { throw RegistryError.wrapping(error, context: "cannot store the model file") }
        var bytes: [UInt8] = []
        let maximum = limits.maxModelBytes
        while let chunk = try read() {
            guard chunk.count <= maximum - bytes.count else {
                writer.cancel()
                throw RegistryError(.tooLarge, "the model file exceeds the limit of \(maximum) bytes")
            }
            do { try writer.write(chunk) } catch { throw RegistryError.wrapping(error, context: "cannot store the model file") }
            bytes.append(contentsOf: chunk)
        }
        guard !bytes.isEmpty else {
            writer.cancel()
            throw RegistryError(.invalidModel, "the model file is empty")
        }
        let session: Session
        do {
            session = try Session(modelBytes: bytes, limits: limits)
        } catch {
            writer.cancel()
            throw RegistryError.wrapping(error, context: "the model file is not a model this server can load")
        }
        let artifact: StoredArtifact
        do { artifact = try writer.finish() } catch { throw RegistryError.wrapping(error, context: "cannot store the model file") }
        let new = NewModelVersion(
            artifact: artifact, format: "onnx", source: request.source,
            signature: LoadedModel.signatureJSON(inputs: session.inputs, outputs: session.outputs),
            metadata: request.metadata, userID: request.userID, description: request.description,
            tags: request.tags, status: .ready, number: request.number)
        var record: ModelVersion
        do {
            record = try store.createVersion(model: request.name, new, createModelIfMissing: true, actor: request.userID)
            for alias in request.aliases {
                record = try store.setAlias(model: request.name, alias: alias, version: record.version, actor: request.userID)
            }
        } catch {
            throw RegistryError.wrapping(error, context: "cannot record the version")
        }
        let model = LoadedModel(name: record.modelName, version: record.version, session: session, sha256: artifact.digest,
                                size: artifact.size, metadata: metadataValue, source: request.source)
        return ImportedVersion(record: record, model: model)
    }

    /// Imports a file from disk (`monolith import FILE`): a regular file, read in chunks.
    func importFile(_ path: String, _ request: ModelImportRequest) throws -> ImportedVersion {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw RegistryError(.invalidArgument, "cannot open '\(path)': \(RegistryFiles.errorText(errno))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw RegistryError(.invalidArgument, "'\(path)' is not a regular file")
        }
        guard Int64(info.st_size) <= Int64(limits.maxModelBytes) else {
            throw RegistryError(.tooLarge, "'\(path)' is \(info.st_size) bytes, above the limit of \(limits.maxModelBytes)")
        }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        return try importModel(request) { () throws -> [UInt8]? in
            while true {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    throw RegistryError(.internal, "cannot read '\(path)': \(RegistryFiles.errorText(errno))")
                }
                return n == 0 ? nil : Array(buffer[0..<n])
            }
        }
    }

    // MARK: Validation (before anything is written)

    /// The store's model-name rule, checked before the file is streamed.
    static func validate(name: String) throws(RegistryError) {
        guard RegistryFolderScanner.isValidModelName(name) else {
            throw RegistryError(.invalidArgument, "model name '\(ServingSnapshot.printable(name))' must be 1 to 250 letters, digits, '.', '_' or '-', starting with a letter or digit")
        }
    }

    /// The store's alias rule: letters, digits, `_`, `-`; not `latest` (it always means the
    /// highest ready version, PROTOCOLS.md §5) nor `v<digits>` (MLflow's version references).
    static func validate(alias: String) throws(RegistryError) {
        let printable = ServingSnapshot.printable(alias)
        guard !alias.isEmpty, alias.utf8.count <= 250,
              alias.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2D })
        else {
            throw RegistryError(.invalidArgument, "alias '\(printable)' must be 1 to 250 letters, digits, '_' or '-'")
        }
        let lower = alias.lowercased()
        if lower == "latest" {
            throw RegistryError(.invalidArgument, "'latest' is reserved: it always means the highest ready version")
        }
        if lower.hasPrefix("v"), lower.count > 1, lower.dropFirst().allSatisfy(\.isNumber) {
            throw RegistryError(.invalidArgument, "alias '\(printable)' is reserved: v<number> refers to a version")
        }
    }

    /// Parses metadata JSON text: it must be an object of at most 1 MiB.
    static func parseMetadata(_ text: String?) throws(RegistryError) -> JSONValue? {
        guard let text else { return nil }
        guard text.utf8.count <= 1 << 20 else { throw RegistryError(.tooLarge, "metadata is over 1 MiB") }
        let value: JSONValue
        do {
            value = try JSONParser(options: .init(maxDepth: 32)).parse(Array(text.utf8))
        } catch {
            throw RegistryError(.invalidArgument, "metadata is not valid JSON: \(error)")
        }
        guard value.object != nil else { throw RegistryError(.invalidArgument, "metadata must be a JSON object") }
        return value
    }
}
