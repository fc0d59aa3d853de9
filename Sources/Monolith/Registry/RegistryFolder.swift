import Glibc
import HTTPKit

/// One model version found in a registry folder.
struct FolderVersion: Sendable, Hashable {
    /// The model it belongs to.
    var model: String
    /// Its number: the folder name (`3` or `v3`).
    var number: Int64
    /// The model file to open (canonical when reached through a symlink).
    var modelFile: String
    /// The model file's stamp when scanned.
    var stamp: FileStamp
    /// The version's `metadata.json` text (a JSON object), if present and valid.
    var metadata: String?
    /// The model file as the folder names it (the version's `source`).
    var location: String
}

/// A `latest/` folder of the seed layout: a copy of one numbered version.
struct FolderLatest: Sendable, Hashable {
    var model: String
    var modelFile: String
    var stamp: FileStamp
}

/// What one scan of a registry folder found.
struct FolderScan: Sendable {
    /// Which layout the folder follows.
    enum Layout: String, Sendable {
        /// `models/<version>/model.onnx` + `metadata.json`, `latest/` (the seed registry).
        case seed
        /// `<model>/<version>/model.onnx` (Triton's model repository).
        case triton
    }

    var layout: Layout
    /// Versions by model then number.
    var versions: [FolderVersion] = []
    /// `latest/` folders (seed layout).
    var latest: [FolderLatest] = []
    /// Entries skipped and why (logged once each by the watcher).
    var problems: [String] = []
}

/// Scans a registry folder — hostile input — into the versions it holds.
///
/// Both layouts of DESIGN.md: the seed registry (`models/<version>/model.onnx` +
/// `metadata.json`, `latest/`; `versions/` is accepted for `models/`) and Triton's model
/// repository (`<model>/<version>/model.onnx`, docs/user_guide/model_repository.md: "numerically
/// named" version folders; names starting with "0" are ignored; `config.pbtxt` is not read —
/// the model name is the folder's and the backend is ONNX).
///
/// Seed model names come from each version's `metadata.json` (`"name"` or `"model_name"`),
/// else from the registry folder's name. Listings are bounded, hidden entries (`.tmp`…)
/// skipped, symlinks followed only inside the folder, FIFOs and devices never opened,
/// `metadata.json` read only when its stamp changed and only up to `maximumMetadataBytes`.
struct RegistryFolderScanner {
    /// Bounds on what one scan looks at.
    struct Limits: Sendable {
        var maximumEntriesPerDirectory = 10_000
        var maximumMetadataBytes = 1 << 20
    }

    /// The folder (canonical), as messages and sources name it.
    let root: String
    /// Its canonical path (symlinks must stay inside it).
    let canonicalRoot: String
    let limits: Limits
    private var metadataCache: [String: (stamp: FileStamp, text: String?, name: String?, problem: String?)] = [:]

    /// Opens a folder; throws when it does not exist or is not a readable directory.
    init(root: String, limits: Limits = Limits()) throws(RegistryError) {
        guard let canonical = RegistryFiles.canonicalPath(root) else {
            throw RegistryError(.invalidArgument, "registry folder '\(root)': \(RegistryFiles.errorText(errno))")
        }
        guard case .directory = RegistryFiles.classify(canonical, root: canonical).kind else {
            throw RegistryError(.invalidArgument, "registry folder '\(root)' is not a directory")
        }
        _ = try RegistryFolderScanner.listing(canonical, root: root, limit: 1)
        // Messages and version sources name the canonical path: stable across working
        // directories and restarts.
        self.root = canonical
        self.canonicalRoot = canonical
        self.limits = limits
    }

    /// The model name used when a seed version names none: the folder's own name.
    var folderModelName: String? {
        let name = String(canonicalRoot.split(separator: "/").last ?? "")
        return RegistryFolderScanner.isValidModelName(name) ? name : nil
    }

    /// Scans the folder. Throws only when the root itself cannot be read (the watcher then
    /// keeps serving what it has rather than retiring everything).
    mutating func scan() throws(RegistryError) -> FolderScan {
        let (children, truncated) = try RegistryFolderScanner.listing(canonicalRoot, root: root, limit: limits.maximumEntriesPerDirectory)
        var directories: [String] = []
        for name in children {
            if case .directory = RegistryFiles.classify(canonicalRoot + "/" + name, root: canonicalRoot).kind { directories.append(name) }
        }
        let seedFolders = directories.filter { $0 == "models" || $0 == "versions" }
        let others = directories.filter { !["models", "versions", "latest"].contains($0) }
        let looksSeed = (!seedFolders.isEmpty || directories.contains("latest"))
            && !others.contains { hasNumberedVersion(canonicalRoot + "/" + $0) }
        var scan = FolderScan(layout: looksSeed ? .seed : .triton)
        if truncated { scan.problems.append("\(root): more than \(limits.maximumEntriesPerDirectory) entries; the rest are ignored") }
        if looksSeed {
            scanSeed(seedFolders: seedFolders, hasLatest: directories.contains("latest"), into: &scan)
        } else {
            for name in directories { scanTritonModel(name, into: &scan) }
        }
        scan.versions.sort { ($0.model, $0.number) < ($1.model, $1.number) }
        return scan
    }

    // MARK: Seed layout

    private mutating func scanSeed(seedFolders: [String], hasLatest: Bool, into scan: inout FolderScan) {
        var seen: Set<VersionKeyPair> = []
        for folder in seedFolders {
            let directory = canonicalRoot + "/" + folder
            guard let (names, truncated) = try? RegistryFolderScanner.listing(directory, root: root, limit: limits.maximumEntriesPerDirectory) else {
                scan.problems.append("\(root)/\(folder): cannot be read")
                continue
            }
            if truncated { scan.problems.append("\(root)/\(folder): more than \(limits.maximumEntriesPerDirectory) entries; the rest are ignored") }
            for name in names {
                let display = "\(root)/\(folder)/\(name)"
                guard let number = RegistryFolderScanner.versionNumber(name, allowPrefix: true) else {
                    scan.problems.append("\(display): not a version folder (a number such as 3 or v3, not starting with 0); ignored")
                    continue
                }
                guard var version = versionFolder(directory + "/" + name, display: display, model: nil, number: number, into: &scan) else { continue }
                guard !version.model.isEmpty else {
                    scan.problems.append("\(display): metadata.json names no model and the folder name is not a valid model name; ignored")
                    continue
                }
                guard seen.insert(VersionKeyPair(model: version.model, number: number)).inserted else {
                    scan.problems.append("\(display): version \(number) of '\(version.model)' appears twice; ignored")
                    continue
                }
                version.location = display + "/model.onnx"
                scan.versions.append(version)
            }
        }
        guard hasLatest else { return }
        let display = "\(root)/latest"
        guard let latest = versionFolder(canonicalRoot + "/latest", display: display, model: nil, number: 0, into: &scan),
              !latest.model.isEmpty else { return }
        if scan.versions.contains(where: { $0.model == latest.model }) {
            scan.latest.append(FolderLatest(model: latest.model, modelFile: latest.modelFile, stamp: latest.stamp))
        } else {
            // A registry holding only latest/: serve it as version 1 (documented in README).
            var only = latest
            only.number = 1
            only.location = display + "/model.onnx"
            scan.versions.append(only)
        }
    }

    // MARK: Triton layout

    private mutating func scanTritonModel(_ name: String, into scan: inout FolderScan) {
        let display = "\(root)/\(name)"
        guard RegistryFolderScanner.isValidModelName(name) else {
            scan.problems.append("\(display): not a valid model name (letters, digits, '.', '_', '-'); ignored")
            return
        }
        let directory = canonicalRoot + "/" + name
        guard let (names, truncated) = try? RegistryFolderScanner.listing(directory, root: root, limit: limits.maximumEntriesPerDirectory) else {
            scan.problems.append("\(display): cannot be read")
            return
        }
        if truncated { scan.problems.append("\(display): more than \(limits.maximumEntriesPerDirectory) entries; the rest are ignored") }
        for child in names {
            // Triton: "subdirectories that are not numerically named, or have names that
            // start with the character "0" will be ignored" (config.pbtxt, labels… too).
            guard let number = RegistryFolderScanner.versionNumber(child, allowPrefix: false) else { continue }
            let versionDisplay = "\(display)/\(child)"
            guard var version = versionFolder(directory + "/" + child, display: versionDisplay, model: name, number: number, into: &scan) else { continue }
            version.location = versionDisplay + "/model.onnx"
            scan.versions.append(version)
        }
    }

    private func hasNumberedVersion(_ directory: String) -> Bool {
        guard let (names, _) = try? RegistryFolderScanner.listing(directory, root: root, limit: limits.maximumEntriesPerDirectory) else { return false }
        return names.contains { RegistryFolderScanner.versionNumber($0, allowPrefix: false) != nil }
    }

    // MARK: One version folder

    /// Reads one version folder: its `model.onnx` (stat only) and `metadata.json`. `model`
    /// nil means the seed rule (metadata name, else the folder's name; "" when neither).
    private mutating func versionFolder(_ path: String, display: String, model: String?, number: Int64,
                                        into scan: inout FolderScan) -> FolderVersion? {
        let (directory, kind) = RegistryFiles.classify(path, root: canonicalRoot)
        guard kind == .directory else {
            if case .other(let why) = kind { scan.problems.append("\(display): \(why); ignored") }
            return nil
        }
        let (file, fileKind) = RegistryFiles.classify(directory + "/model.onnx", root: canonicalRoot)
        guard case .regularFile(let stamp) = fileKind else {
            switch fileKind {
            case .other(let why) where !why.hasPrefix("cannot stat"):
                scan.problems.append("\(display)/model.onnx: \(why); ignored")
            case .directory:
                scan.problems.append("\(display)/model.onnx: a directory (external-data models are not supported); ignored")
            default:
                let joblib = RegistryFiles.stamp(directory + "/model.joblib") != nil || RegistryFiles.stamp(directory + "/model.pkl") != nil
                scan.problems.append(joblib
                    ? "\(display): has a pickled model (model.joblib/.pkl), which is never loaded (unpickling runs arbitrary code); export it to ONNX as model.onnx"
                    : "\(display): no model.onnx; ignored")
            }
            return nil
        }
        var metadata: String?
        var metadataName: String?
        let (metadataPath, metadataKind) = RegistryFiles.classify(directory + "/metadata.json", root: canonicalRoot)
        switch metadataKind {
        case .regularFile(let metadataStamp):
            let parsed = readMetadata(metadataPath, stamp: metadataStamp)
            metadata = parsed.text
            metadataName = parsed.name
            if let problem = parsed.problem { scan.problems.append("\(display)/metadata.json: \(problem)") }
        case .other(let why) where !why.hasPrefix("cannot stat"):
            scan.problems.append("\(display)/metadata.json: \(why); ignored")
        default:
            break
        }
        let name = model ?? metadataName ?? folderModelName ?? ""
        return FolderVersion(model: name, number: number, modelFile: file, stamp: stamp, metadata: metadata, location: display + "/model.onnx")
    }

    /// Parses `metadata.json` once per stamp: its text when it is a JSON object, and the model
    /// name it gives (`name`, else `model_name`) when that is a valid model name.
    private mutating func readMetadata(_ path: String, stamp: FileStamp) -> (text: String?, name: String?, problem: String?) {
        if let cached = metadataCache[path], cached.stamp == stamp { return (cached.text, cached.name, cached.problem) }
        var result: (text: String?, name: String?, problem: String?) = (nil, nil, nil)
        do {
            let (bytes, _) = try RegistryFiles.read(path, maxBytes: limits.maximumMetadataBytes)
            let value = try JSONParser(options: .init(maxDepth: 32)).parse(bytes)
            if value.object != nil {
                result.text = String(decoding: bytes, as: UTF8.self)
                for key in ["name", "model_name"] {
                    guard let candidate = value[key]?.string else { continue }
                    if RegistryFolderScanner.isValidModelName(candidate) {
                        result.name = candidate
                        break
                    }
                    result.problem = "\"\(key)\": '\(ServingSnapshot.printable(candidate))' is not a valid model name; using the folder's name"
                }
            } else {
                result.problem = "not a JSON object; ignored"
            }
        } catch let error as RegistryError {
            result.problem = "\(error.message); ignored"
        } catch {
            result.problem = "invalid JSON (\(error)); ignored"
        }
        metadataCache[path] = (stamp, result.text, result.name, result.problem)
        return result
    }

    // MARK: Names

    private struct VersionKeyPair: Hashable {
        var model: String
        var number: Int64
    }

    private static func listing(_ directory: String, root: String, limit: Int) throws(RegistryError) -> (names: [String], truncated: Bool) {
        do {
            return try RegistryFiles.list(directory, limit: limit)
        } catch {
            throw RegistryError(.invalidArgument, "registry folder '\(root)': \(error.message)")
        }
    }

    /// `3` → 3; with `allowPrefix`, `v3`/`V3` too. Leading zeros, signs and numbers past
    /// 18 digits are refused, so two folders can never map to one version.
    static func versionNumber(_ name: String, allowPrefix: Bool) -> Int64? {
        var digits = Substring(name)
        if allowPrefix, let first = digits.first, first == "v" || first == "V" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.count <= 18, digits.first != "0",
              digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int64(digits)
    }

    /// The model-name rule of the metadata store: 1…250 bytes of ASCII letters, digits,
    /// `.`, `_`, `-`, starting with a letter or digit.
    static func isValidModelName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 250 else { return false }
        var first = true
        for byte in name.utf8 {
            let alnum = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            let punct = byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            guard alnum || (punct && !first) else { return false }
            first = false
        }
        return true
    }
}
