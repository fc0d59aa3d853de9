#if canImport(Glibc)
import Glibc
#endif
import HTTPKit
import ModelKit
import StoreKitLite
import Testing
@testable import Monolith

/// Tiny ONNX models whose answer identifies them: `y = x + c` (ai.onnx Add, opset 13) with
/// `x` float32 `[N]` and `c` a scalar initializer. A test gives each version its own `c`
/// (usually the version number), so every answer says which version computed it.
enum RegistryTestModels {
    /// The model bytes for `y = x + c`.
    static func addConstant(_ c: Float, inputName: String = "x") -> [UInt8] {
        var x = Proto()
        x.string(1, inputName)
        x.message(2, tensorType(dims: [.param("N")]))
        var y = Proto()
        y.string(1, "y")
        y.message(2, tensorType(dims: [.param("N")]))
        var constant = Proto()
        constant.varint(2, 1)
        constant.string(8, "c")
        constant.packedFloats(4, [c])
        var node = Proto()
        node.string(1, inputName)
        node.string(1, "c")
        node.string(2, "y")
        node.string(3, "add")
        node.string(4, "Add")
        var graph = Proto()
        graph.message(1, node)
        graph.string(2, "add-constant")
        graph.message(5, constant)
        graph.message(11, x)
        graph.message(12, y)
        var opset = Proto()
        opset.string(1, "")
        opset.varint(2, 13)
        var model = Proto()
        model.varint(1, 8)
        model.string(2, "monolith-tests")
        model.message(7, graph)
        model.message(8, opset)
        return model.bytes
    }

    /// Bytes that are not a model: a protobuf length running past the end.
    static let broken: [UInt8] = [0x3A, 0xFF, 0xFF, 0x01, 0x02]

    /// A model using an operator nobody implements: loads fail naming it.
    static func unknownOperator() -> [UInt8] {
        var bytes = addConstant(1)
        // "Add" -> "Axx": same length, so every length prefix stays valid.
        if let i = bytes.indices.first(where: { bytes[$0] == 0x41 && bytes[$0 + 1] == 0x64 && bytes[$0 + 2] == 0x64 }) {
            bytes[i + 1] = 0x78
            bytes[i + 2] = 0x78
        }
        return bytes
    }

    /// Runs `y = x + c` on one value.
    static func predict(_ model: LoadedModel, _ x: Float) throws -> Float {
        let outputs = try model.session.run(["x": try Tensor(shape: [1], elements: [x])])
        guard case .tensor(let y)? = outputs["y"], let value = y.floatValues()?.first else {
            throw RegistryError(.internal, "no output y")
        }
        return value
    }

    enum Dim { case value(Int64), param(String) }

    static func tensorType(dims: [Dim]) -> Proto {
        var shape = Proto()
        for d in dims {
            var dim = Proto()
            switch d {
            case .value(let v): dim.varint(1, v)
            case .param(let p): dim.string(2, p)
            }
            shape.message(1, dim)
        }
        var tensor = Proto()
        tensor.varint(1, 1)
        tensor.message(2, shape)
        var type = Proto()
        type.message(1, tensor)
        return type
    }

    /// A minimal protobuf writer.
    struct Proto {
        var bytes: [UInt8] = []

        mutating func raw(_ value: UInt64) {
            var v = value
            while v >= 0x80 {
                bytes.append(UInt8(v & 0x7F) | 0x80)
                v >>= 7
            }
            bytes.append(UInt8(v))
        }

        mutating func varint(_ field: Int, _ value: Int64) {
            raw(UInt64(field << 3))
            raw(UInt64(bitPattern: value))
        }

        mutating func bytes(_ field: Int, _ value: [UInt8]) {
            raw(UInt64(field << 3 | 2))
            raw(UInt64(value.count))
            bytes.append(contentsOf: value)
        }

        mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }
        mutating func message(_ field: Int, _ value: Proto) { bytes(field, value.bytes) }

        mutating func packedFloats(_ field: Int, _ values: [Float]) {
            var payload: [UInt8] = []
            for v in values {
                let bits = v.bitPattern
                for i in 0..<4 { payload.append(UInt8((bits >> (8 * UInt32(i))) & 0xFF)) }
            }
            bytes(field, payload)
        }
    }
}

/// A temporary directory removed (recursively) when released.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/monolith-registry-test-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ buffer -> UnsafeMutablePointer<CChar>? in
            guard let base = buffer.baseAddress else { return nil }
            return mkdtemp(base)
        }) else {
            throw RegistryError(.internal, "mkdtemp failed")
        }
        path = String(cString: made)
    }

    deinit { TemporaryDirectory.remove(path) }

    static func remove(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            chmod(path, 0o755)
            if let names = try? RegistryFiles.list(path, limit: 1_000_000).names {
                for name in names { remove(path + "/" + name) }
            }
            // Hidden entries too.
            if let dir = opendir(path) {
                var hidden: [String] = []
                while let entry = readdir(dir) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                    if name != "." && name != ".." { hidden.append(name) }
                }
                closedir(dir)
                for name in hidden { remove(path + "/" + name) }
            }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// `<path>/<relative>`.
    func callAsFunction(_ relative: String) -> String { path + "/" + relative }
}

enum RegistryTestFiles {
    /// Creates the directories of `path`'s parent, then writes `bytes` (via a temporary
    /// file and a rename, as a careful deploy would; `atomic: false` writes in place).
    static func write(_ path: String, _ bytes: [UInt8], atomic: Bool = true) throws {
        makeParents(path)
        let target = atomic ? path + ".tmp-write" : path
        guard let file = fopen(target, "wb") else { throw RegistryError(.internal, "cannot write \(target)") }
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
        if atomic { rename(target, path) }
    }

    static func write(_ path: String, _ text: String) throws { try write(path, Array(text.utf8)) }

    static func makeParents(_ path: String) {
        var prefix = ""
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        for (i, part) in parts.enumerated() {
            prefix += (i == 0 ? "" : "/") + part
            if !prefix.isEmpty { mkdir(prefix, 0o755) }
        }
    }
}

/// A registry over a fresh data directory, polling fast (tests never wait on a clock: they
/// wait for a condition with a generous bound). Stops the registry when released, also when
/// a test ends early.
final class RegistryFixture {
    let data: TemporaryDirectory
    let store: MetadataStore
    let artifacts: ArtifactStore
    let registry: ModelRegistry
    let logs: InMemoryLogHandler

    init(folder: String? = nil, limits: ModelLimits = .default, data: TemporaryDirectory? = nil) throws {
        let data = try data ?? TemporaryDirectory()
        self.data = data
        let (store, artifacts) = try Application.openStores(dataDirectory: data.path)
        self.store = store
        self.artifacts = artifacts
        var configuration = ModelRegistry.Configuration()
        configuration.registryFolder = folder
        configuration.pollInterval = .milliseconds(20)
        configuration.storePollInterval = .milliseconds(10)
        configuration.settleTime = .zero
        configuration.modelLimits = limits
        configuration.loadWait = .seconds(10)
        let logs = InMemoryLogHandler()
        self.logs = logs
        registry = ModelRegistry(store: store, artifacts: artifacts, configuration: configuration,
                                 logger: Logger(label: "test", handler: logs, logLevel: .debug))
    }

    deinit { registry.stop() }

    /// Starts the registry and waits for its start-up pass.
    func start() throws {
        registry.start()
        try #require(registry.waitUntilSettled(timeout: .seconds(30)))
    }

    /// Imports `bytes` as a new version of `name`.
    @discardableResult
    func upload(_ bytes: [UInt8], name: String, aliases: [String] = []) throws -> ImportedVersion {
        var chunks = stride(from: 0, to: bytes.count, by: 7).map { Array(bytes[$0..<min(bytes.count, $0 + 7)]) }.makeIterator()
        return try registry.importModel(ModelImportRequest(name: name, aliases: aliases)) { chunks.next() }
    }
}

/// Waits until `condition` holds (checking every 5 ms), at most `seconds`; returns whether it
/// held. A bound, not a timing assertion.
func eventually(_ seconds: Double = 20, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = MonotonicClock.now() + UInt64(seconds * 1e9)
    while MonotonicClock.now() < deadline {
        if try condition() { return true }
        usleep(5_000)
    }
    return try condition()
}

extension ModelResolution {
    /// The loaded model when ready.
    var model: LoadedModel? {
        if case .ready(let model) = self { return model }
        return nil
    }

    /// The failure reason when failed.
    var failureReason: String? {
        if case .failed(_, _, let reason) = self { return reason }
        return nil
    }

    var isNotFound: Bool {
        if case .notFound = self { return true }
        return false
    }
}
