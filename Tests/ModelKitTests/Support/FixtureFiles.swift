#if canImport(Glibc)
import Glibc
#endif
@testable import ModelKit

/// Paths and file access for the committed fixtures, located from this source file
/// (no Foundation `Bundle` needed).
enum FixtureFiles {
    /// `Tests/ModelKitTests/Fixtures`.
    static let root: String = {
        var path = #filePath
        for _ in 0..<2 {
            if let slash = path.lastIndex(of: "/") { path = String(path[..<slash]) }
        }
        return path + "/Fixtures"
    }()

    /// The directory holding this test target's sources.
    static var testsDirectory: String {
        String(root.dropLast("/Fixtures".count))
    }

    /// Entry names in `path` (no `.` / `..`), sorted; empty if it cannot be read.
    static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { ptr in
                ptr.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Whether `path` exists.
    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// The bytes of `path`.
    static func read(_ path: String) throws -> [UInt8] {
        try Session.readFile(path, maxBytes: 1 << 30)
    }

    /// The text of `path`.
    static func text(_ path: String) throws -> String {
        String(decoding: try read(path), as: UTF8.self)
    }
}

/// Element-wise comparison with a stated tolerance: |a - e| <= atol + rtol * |e|; NaN equals NaN;
/// integers, bools and strings must be equal.
struct Tolerance: CustomStringConvertible {
    var rtol: Double
    var atol: Double

    var description: String { "rtol \(rtol), atol \(atol)" }

    /// `nil` when equal within tolerance, else a message describing the first difference.
    func mismatch(_ actual: Tensor, _ expected: Tensor) -> String? {
        guard actual.dataType == expected.dataType else { return "type \(actual.dataType) != expected \(expected.dataType)" }
        guard actual.shape == expected.shape else { return "shape \(actual.shape) != expected \(expected.shape)" }
        switch (actual.storage, expected.storage) {
        case (.string(let a), .string(let e)):
            return a == e ? nil : "strings differ: \(a.prefix(5)) vs \(e.prefix(5))"
        case (.bool(let a), .bool(let e)):
            return a == e ? nil : "bools differ: \(a.prefix(8)) vs \(e.prefix(8))"
        default:
            break
        }
        if actual.dataType.isInteger {
            guard let a = actual.int64Values(), let e = expected.int64Values() else { return "not integers" }
            if let i = a.indices.first(where: { a[$0] != e[$0] }) { return "element \(i): \(a[i]) != expected \(e[i])" }
            return nil
        }
        guard let a = actual.doubleValues(), let e = expected.doubleValues() else { return "not numeric" }
        for i in 0..<a.count {
            if a[i].isNaN && e[i].isNaN { continue }
            if a[i] == e[i] { continue }
            if abs(a[i] - e[i]) <= atol + rtol * abs(e[i]) { continue }
            return "element \(i): \(a[i]) vs expected \(e[i]) (\(description))"
        }
        return nil
    }
}

/// One ONNX test case directory: `model.onnx` + `test_data_set_*/input_*.pb, output_*.pb`.
struct ONNXCase {
    let path: String

    /// Runs every data set; returns failure messages (empty when all outputs match).
    func run(tolerance: (DataType) -> Tolerance) throws -> [String] {
        let session = try Session(modelBytes: try FixtureFiles.read(path + "/model.onnx"))
        var failures: [String] = []
        for set in FixtureFiles.list(path) where set.hasPrefix("test_data_set_") {
            let dir = path + "/" + set
            let files = FixtureFiles.list(dir)
            var feeds: [String: Tensor] = [:]
            for (i, file) in files.filter({ $0.hasPrefix("input_") }).sorted(by: ONNXCase.numbered).enumerated() {
                let t = try Tensor(serializedTensorProto: try FixtureFiles.read(dir + "/" + file))
                guard i < session.inputs.count else { failures.append("\(set): more inputs than the model has"); break }
                feeds[session.inputs[i].name] = t
            }
            let results = try session.run(feeds)
            for (i, file) in files.filter({ $0.hasPrefix("output_") }).sorted(by: ONNXCase.numbered).enumerated() {
                let expected = try Tensor(serializedTensorProto: try FixtureFiles.read(dir + "/" + file))
                let name = session.outputs[i].name
                guard let actual = results[name]?.tensor else { failures.append("\(set): output \(name) missing"); continue }
                if let problem = tolerance(expected.dataType).mismatch(actual, expected) {
                    failures.append("\(set) output '\(name)': \(problem)")
                }
            }
        }
        return failures
    }

    /// Orders `input_2.pb` before `input_10.pb`.
    static func numbered(_ a: String, _ b: String) -> Bool {
        func number(_ s: String) -> Int { Int(s.split(separator: "_").last?.split(separator: ".").first ?? "") ?? 0 }
        return number(a) < number(b)
    }
}
