#if canImport(Glibc)
import Glibc
#endif
@testable import HTTPKit
import ModelKit
import Testing
@testable import Monolith

/// The committed ONNX fixtures (`Tests/clients/models`, made by `make_fixtures.py`), located
/// from this source file.
enum ServingFixtures {
    static let directory: String = {
        var path = #filePath
        for _ in 0..<2 {
            if let slash = path.lastIndex(of: "/") { path = String(path[..<slash]) }
        }
        return path + "/clients/models"
    }()

    static func path(_ name: String) -> String { directory + "/" + name }

    static func session(_ name: String) throws -> Session {
        try Session(contentsOfFile: path(name))
    }

    static func bytes(_ name: String) -> [UInt8] {
        guard let file = fopen(path(name), "rb") else { return [] }
        defer { fclose(file) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            out.append(contentsOf: buffer[0..<n])
        }
        return out
    }
}

/// Parses JSON test output (strict, with the non-finite literals allowed for V1 bodies).
func parseJSON(_ bytes: [UInt8]) throws -> JSONValue {
    try JSONParser(options: .init(allowNonFiniteNumbers: true)).parse(bytes)
}

func parseJSON(_ text: String) throws -> JSONValue {
    try parseJSON(Array(text.utf8))
}

/// Little-endian bytes of fixed-width values.
func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    var out: [UInt8] = []
    for value in values { withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) } }
    return out
}

func littleEndianBytes(_ values: [Float]) -> [UInt8] { littleEndianBytes(values.map(\.bitPattern)) }

/// A V2 body: the JSON header followed by `binary`, and the header's length.
func v2Body(_ json: String, binary: [UInt8] = []) -> (body: [UInt8], headerLength: Int) {
    let header = Array(json.utf8)
    return (header + binary, header.count)
}

/// Runs `body` as a throwing expression and returns the `ServingError` it threw.
func servingError(_ body: () throws -> Void) -> ServingError? {
    do {
        try body()
        return nil
    } catch let error as ServingError {
        return error
    } catch {
        return nil
    }
}

/// A joinable background thread for tests.
struct Thread {
    let handle: pthread_t?

    static func detach(_ body: @escaping @Sendable () -> Void) -> Thread {
        Thread(handle: NativeThread.start(name: "test", body))
    }

    func join() {
        if let handle { pthread_join(handle, nil) }
    }
}
