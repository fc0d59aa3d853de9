import Glibc
import HTTPKit
import StoreKitLite

/// What `model-versions/create`'s `source` means to this server.
enum MLflowSource: Sendable, Equatable {
    /// A local path (lexically normalized, absolute, under the source root): an ONNX file,
    /// an MLflow model directory whose `MLmodel` has the `onnx` flavor, or that `MLmodel`.
    case local(path: String)
    /// A version of a model in this registry (`models:/<name>/<version|stage|latest>`,
    /// `models:/<name>@<alias>`, what `copy_model_version` sends): its stored file is reused.
    case registered(name: String, version: Int64)
    /// A well-formed source this server cannot fetch (object stores, HTTP, MLflow's artifact
    /// proxy, logged models): recorded as FAILED_REGISTRATION with this reason.
    case unavailable(String)
}

/// Which `source`s `model-versions/create` may import, and reading them.
///
/// A source is hostile input from a remote caller: it must never make the server read an
/// arbitrary file. Local paths and `file://` URIs are accepted only under the configured
/// root (`MONOLITH_MLFLOW_SOURCE_ROOT`; unset: refused), checked twice — lexically when the
/// version is created (`..` cannot climb out) and again on the canonical path (symlinks
/// resolved) right before the file is opened, with `O_NOFOLLOW` on the final component.
struct MLflowSourcePolicy: Sendable {
    /// The root as configured; nil: local sources are refused.
    let root: String?

    /// The root's canonical form (symlinks resolved), read at each use: the folder may be
    /// created or remounted after the server started. Nil when it does not exist.
    var canonicalRoot: String? { root.flatMap { RegistryFiles.canonicalPath($0) } }

    /// Largest `MLmodel` file read.
    static let maximumMLmodelBytes = 1 << 20

    init(root: String?) {
        let trimmed = root.map { $0.count > 1 && $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.root = trimmed.flatMap { $0.isEmpty ? nil : $0 }
    }

    static let setting = "MONOLITH_MLFLOW_SOURCE_ROOT"

    // MARK: Classifying (when the version is created)

    /// Classifies `source`. A malformed or forbidden source (relative path, outside the root,
    /// local sources disabled, control characters) throws INVALID_PARAMETER_VALUE and nothing
    /// is recorded; `runs:/` resolves through the run's artifact URI.
    func classify(_ source: String, store: MetadataStore) throws(MLflowError) -> MLflowSource {
        guard !source.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw MLflowError(.invalidParameterValue, "Invalid model version source: it contains control characters")
        }
        if source.hasPrefix("/") { return try local(source, source: source) }
        guard let scheme = MLflowSourcePolicy.scheme(of: source) else {
            throw MLflowError(.invalidParameterValue, "Invalid model version source '\(MLflowFields.printable(source))': a local source must be an absolute path or a file:// URI")
        }
        let rest = String(source.dropFirst(scheme.count + 1))
        switch scheme.lowercased() {
        case "file":
            return try local(try MLflowSourcePolicy.filePath(rest, source: source), source: source)
        case "runs":
            return try runSource(rest, source: source, store: store)
        case "models":
            return MLflowSourcePolicy.registered(rest, source: source, store: store)
        default:
            return .unavailable("cannot fetch '\(scheme):' sources: this server imports ONNX models only from a local path or file:// URI under \(MLflowSourcePolicy.setting) (it has no access to object stores, HTTP or an artifact proxy)")
        }
    }

    /// `scheme` of `scheme:rest` (RFC 3986 §3.1), nil when there is none.
    static func scheme(of text: String) -> String? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let scheme = text[..<colon]
        guard let first = scheme.unicodeScalars.first, (first >= "a" && first <= "z") || (first >= "A" && first <= "Z"),
              scheme.unicodeScalars.allSatisfy({ ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") || $0 == "+" || $0 == "-" || $0 == "." })
        else { return nil }
        return String(scheme)
    }

    /// The path of `file:` URI text after the scheme (RFC 8089): `///p`, `//localhost/p`
    /// or `/p`, percent-decoded; no query or fragment.
    static func filePath(_ rest: String, source: String) throws(MLflowError) -> String {
        guard !rest.contains("?"), !rest.contains("#") else {
            throw MLflowError(.invalidParameterValue, "Invalid model version source '\(MLflowFields.printable(source))': a file URI takes no query or fragment")
        }
        var path = rest
        if path.hasPrefix("//") {
            let afterSlashes = path.dropFirst(2)
            let host = afterSlashes.prefix { $0 != "/" }
            guard host.isEmpty || host.lowercased() == "localhost" else {
                throw MLflowError(.invalidParameterValue, "Invalid model version source '\(MLflowFields.printable(source))': file URIs must name this machine (file:///path)")
            }
            path = String(afterSlashes.dropFirst(host.count))
        }
        guard path.hasPrefix("/") else {
            throw MLflowError(.invalidParameterValue, "Invalid model version source '\(MLflowFields.printable(source))': a file URI needs an absolute path")
        }
        let decoded = PercentDecoding.decode(Array(path.utf8))
        guard !decoded.unicodeScalars.contains(where: { $0.value == 0 }) else {
            throw MLflowError(.invalidParameterValue, "Invalid model version source: it contains a NUL byte")
        }
        return decoded
    }

    /// `models:/<name>/<version>`, `models:/<name>/<stage>`, `models:/<name>/latest` or
    /// `models:/<name>@<alias>`, resolved now to a version number of this registry. Logged
    /// models (`models:/m-<id>`) and unknown versions are unavailable.
    static func registered(_ rest: String, source: String, store: MetadataStore) -> MLflowSource {
        let reference = rest.hasPrefix("/") ? String(rest.dropFirst()) : rest
        let name: String
        let selector: String?
        let alias: String?
        if let at = reference.firstIndex(of: "@"), !reference[..<at].contains("/") {
            name = String(reference[..<at])
            alias = String(reference[reference.index(after: at)...])
            selector = nil
        } else {
            let parts = reference.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                return .unavailable("cannot import '\(MLflowFields.printable(source))': logged models (models:/<model_id>) are not stored on this server; register the model's ONNX file or MLflow model directory itself")
            }
            name = String(parts[0])
            selector = String(parts[1])
            alias = nil
        }
        do {
            let versions = try store.versions(of: name)
            var number: Int64?
            if let alias {
                number = try store.model(named: name).aliases[alias]
            } else if let selector, let pinned = Int64(selector) {
                number = versions.first { $0.version == pinned }?.version
            } else if selector?.lowercased() == "latest" {
                number = versions.filter { $0.status == .ready && !$0.isRecordOnly }.map(\.version).max()
            } else if let selector, let stage = VersionStage(canonicalizing: selector) {
                number = versions.filter { $0.stage == stage }.map(\.version).max()
            }
            guard let number else {
                return .unavailable("cannot import '\(MLflowFields.printable(source))': no such version in this registry")
            }
            return .registered(name: name, version: number)
        } catch {
            return .unavailable("cannot import '\(MLflowFields.printable(source))': \(MLflowError.wrapping(error)?.message ?? "no such model")")
        }
    }

    /// `runs:/<run_id>/<path>`: the run's artifact URI joined with the path, when the run's
    /// artifacts are on this machine; otherwise unavailable.
    func runSource(_ rest: String, source: String, store: MetadataStore) throws(MLflowError) -> MLflowSource {
        guard rest.hasPrefix("/"), !rest.hasPrefix("//") else {
            throw MLflowError(.invalidParameterValue, "Invalid model version source '\(MLflowFields.printable(source))': expected runs:/<run_id>/<path>")
        }
        let parts = rest.dropFirst().split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let runID = parts.first.map(String.init) ?? ""
        let relative = parts.count > 1 ? String(parts[1]) : ""
        let run: RunInfo
        do {
            run = try store.run(id: runID).info
        } catch {
            throw MLflowError.wrapping(error) ?? MLflowError(.internalError, "cannot read run '\(MLflowFields.printable(runID))'")
        }
        let base = run.artifactURI
        let basePath: String
        if base.hasPrefix("/") {
            basePath = base
        } else if let scheme = MLflowSourcePolicy.scheme(of: base), scheme.lowercased() == "file" {
            basePath = try MLflowSourcePolicy.filePath(String(base.dropFirst(5)), source: base)
        } else {
            return .unavailable("cannot import '\(MLflowFields.printable(source))': run \(runID) keeps its artifacts at '\(MLflowFields.printable(base))', which this server cannot read (it has no artifact store); log the model to a file:// artifact location under \(MLflowSourcePolicy.setting), or register its file:// path")
        }
        let joined = relative.isEmpty ? basePath : basePath + "/" + PercentDecoding.decode(Array(relative.utf8))
        return try local(joined, source: source)
    }

    /// A local path: allowed only under the root, after lexical normalization.
    func local(_ path: String, source: String) throws(MLflowError) -> MLflowSource {
        guard let root else {
            throw MLflowError(.invalidParameterValue, "Invalid model version source '\(MLflowFields.printable(source))': local model sources are disabled on this server (set \(MLflowSourcePolicy.setting) to the folder it may import models from)")
        }
        guard let normalized = MLflowSourcePolicy.normalize(path) else {
            throw MLflowError(.invalidParameterValue, "Invalid model version source '\(MLflowFields.printable(source))': the path climbs above /")
        }
        let inside = RegistryFiles.isInside(normalized, root: root)
            || (canonicalRoot.map { RegistryFiles.isInside(normalized, root: $0) } ?? false)
        guard inside else {
            throw MLflowError(.invalidParameterValue, "Invalid model version source '\(MLflowFields.printable(source))': it is outside the folder this server imports models from (\(MLflowSourcePolicy.setting))")
        }
        return .local(path: normalized)
    }

    /// `/a/./b//c/../d` → `/a/b/d`; nil when `..` would climb above `/`.
    static func normalize(_ path: String) -> String? {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
                continue
            }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    // MARK: Reading (in the import job)

    /// Why a local source could not be read: the version's status message.
    struct ReadFailure: Error, Sendable {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// Reads the ONNX bytes behind a local source: the file itself, or the file the `onnx`
    /// flavor of an MLflow model directory's `MLmodel` names. Every path is resolved and
    /// checked against the canonical root before it is opened.
    func readModel(at path: String, maxBytes: Int) throws(ReadFailure) -> (bytes: [UInt8], file: String) {
        var target = try inside(path, what: "source")
        var info = stat()
        guard stat(target, &info) == 0 else { throw ReadFailure("cannot open '\(path)': \(RegistryFiles.errorText(errno))") }
        if (info.st_mode & S_IFMT) != S_IFDIR && target.hasSuffix("/MLmodel") {
            target = String(target.dropLast("/MLmodel".count))
            guard stat(target, &info) == 0 else { throw ReadFailure("cannot open '\(target)': \(RegistryFiles.errorText(errno))") }
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            let mlmodelPath = try inside(target + "/MLmodel", what: "MLmodel")
            let text = String(decoding: try MLflowSourcePolicy.readFile(mlmodelPath, maxBytes: MLflowSourcePolicy.maximumMLmodelBytes), as: UTF8.self)
            let dataFile: String
            switch MLmodelFile.onnxDataPath(text) {
            case .success(let name): dataFile = name
            case .failure(let failure): throw ReadFailure("\(path)/MLmodel: \(failure.message)")
            }
            guard !dataFile.hasPrefix("/") else { throw ReadFailure("\(path)/MLmodel: the onnx flavor's data must be a path inside the model directory") }
            target = try inside(target + "/" + dataFile, what: "the onnx flavor's data file")
        }
        return (try MLflowSourcePolicy.readFile(target, maxBytes: maxBytes), target)
    }

    /// The canonical form of `path`, which must exist and lie under the canonical root.
    func inside(_ path: String, what: String) throws(ReadFailure) -> String {
        guard let canonicalRoot else {
            throw ReadFailure("\(MLflowSourcePolicy.setting) ('\(root ?? "")') is not an existing folder")
        }
        guard let canonical = RegistryFiles.canonicalPath(path) else {
            throw ReadFailure("cannot open \(what) '\(path)': \(RegistryFiles.errorText(errno))")
        }
        guard RegistryFiles.isInside(canonical, root: canonicalRoot) else {
            throw ReadFailure("\(what) '\(path)' resolves outside \(MLflowSourcePolicy.setting)")
        }
        return canonical
    }

    /// Reads a whole regular file of at most `maxBytes`, refusing a symlink swapped in
    /// after the check.
    static func readFile(_ path: String, maxBytes: Int) throws(ReadFailure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { throw ReadFailure("cannot open '\(path)': \(RegistryFiles.errorText(errno))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw ReadFailure("'\(path)' is not a regular file")
        }
        guard Int64(info.st_size) <= Int64(maxBytes) else {
            throw ReadFailure("'\(path)' is \(info.st_size) bytes, above the limit of \(maxBytes)")
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var filled = 0
        while filled < bytes.count {
            let n = bytes.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return read(fd, base + filled, raw.count - filled)
            }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw ReadFailure("cannot read '\(path)': \(RegistryFiles.errorText(errno))")
            }
            if n == 0 { break }
            filled += n
        }
        guard filled == bytes.count else { throw ReadFailure("'\(path)' changed size while being read") }
        return bytes
    }
}
