#if canImport(Glibc)
import Glibc
#endif
import HTTPKit
import ModelKit

/// `monolith infer --model FILE --input FILE|-`: runs one KServe V2 inference request
/// against a model file, offline, and prints the V2 response — the quickest way to check
/// that a model loads and answers, with the exact codec the server uses.
enum InferCommand: MonolithCommand {
    static let name = "infer"
    static let summary = "Run one V2 inference request against a model file, offline."
    static let usage = "monolith infer --model FILE --input FILE|- [--name NAME] [--header-length N] [--time SECONDS]"
    static var options: [CommandOption] {
        [
            CommandOption(name: "model", valueName: "FILE", help: "The ONNX model file."),
            CommandOption(name: "input", valueName: "FILE", help: "The V2 request body ('-' reads stdin)."),
            CommandOption(name: "name", valueName: "NAME", help: "The model name in the response (default: the file name)."),
            CommandOption(name: "header-length", valueName: "N", help: "Inference-Header-Content-Length when the body carries binary tensors."),
            CommandOption(name: "time", valueName: "SECONDS", help: "Also time the model on this input for about SECONDS (timing JSON on stderr)."),
        ]
    }
    static let details = """
        The input is an Open Inference Protocol request: {"inputs":[{"name","shape","datatype","data"}],
        "outputs"?:[...]}. The response goes to stdout: JSON, or a JSON header followed by binary
        output data when binary outputs were asked for (its length is printed on stderr).
        Errors go to stderr as {"error": "..."}.
        With --time S the same inputs then run for about S seconds on this one thread (0.2 s of
        warm-up, then 5 rounds) and one line goes to stderr: {"timing":{"median_us","wall_us",
        "rounds_us","calls"}}, the median round's thread-CPU and wall time per Session.run call.
        Exit status: 0 on success, 1 if the model cannot load or the request is rejected, 2 on a usage error.

        Example:
          echo '{"inputs":[{"name":"input","shape":[1,8],"datatype":"FP32","data":[1,2,3,4,5,6,7,8]}]}' \\
            | monolith infer --model model.onnx --input -
        """

    static func run(_ arguments: CommandLineArguments, environment: [String: String]) -> Int32 {
        guard let modelPath = arguments["model"], let inputPath = arguments["input"] else {
            Output.standardError("monolith infer: --model and --input are required\n\nUsage: \(usage)\n")
            return 2
        }
        var headerLength: Int?
        if let text = arguments["header-length"] {
            guard let value = Int(text), value >= 0 else {
                Output.standardError("monolith infer: --header-length must be a non-negative integer\n")
                return 2
            }
            headerLength = value
        }
        let session: Session
        do {
            session = try Session(contentsOfFile: modelPath)
        } catch let error as ModelError {
            return fail("cannot load model '\(modelPath)': \(error.message)")
        } catch {
            return fail("cannot load model '\(modelPath)': \(error)")
        }
        let body: [UInt8]
        do {
            body = try readAll(inputPath == "-" ? nil : inputPath, limit: 64 << 20)
        } catch {
            return fail("\(error)")
        }
        var budget: Double?
        if let text = arguments["time"] {
            guard let value = Double(text), value > 0, value <= 3600 else {
                Output.standardError("monolith infer: --time must be a number of seconds in (0, 3600]\n")
                return 2
            }
            budget = value
        }
        let name = arguments["name"] ?? defaultName(modelPath)
        do {
            let response = try InferCommand.infer(session: session, name: name, body: body, headerLength: headerLength)
            if let length = response.headerLength { Output.standardError("Inference-Header-Content-Length: \(length)\n") }
            writeAll(response.body, to: 1)
            if response.headerLength == nil { Output.standardOutput("\n") }
            if let budget {
                let model = ServedModel(name: name, version: "1", session: session)
                let request = try V2InferenceRequest.decode(body: body, headerLength: headerLength, signature: model.signature, limits: .default)
                let feeds = request.feeds
                let timing: InferenceTiming
                do {
                    timing = try InferenceTiming.measure(seconds: budget) { _ = try session.run(feeds) }
                } catch {
                    return fail("\(error)")
                }
                Output.standardError(String(decoding: timing.json, as: UTF8.self) + "\n")
            }
            return 0
        } catch {
            return fail(error.message)
        }
    }

    /// Decodes `body`, runs it and encodes the response, exactly as `POST /v2/models/{m}/infer`.
    static func infer(session: Session, name: String, body: [UInt8], headerLength: Int?) throws(ServingError) -> V2InferenceResponse {
        let model = ServedModel(name: name, version: "1", session: session)
        let request = try V2InferenceRequest.decode(body: body, headerLength: headerLength, signature: model.signature, limits: .default)
        let outputs = try runInference(session, feeds: request.feeds, outputs: try request.outputNames(model.signature))
        return try V2InferenceResponse(modelName: name, modelVersion: model.version, request: request, outputs: outputs)
    }

    private static func fail(_ message: String) -> Int32 {
        var json = JSONWriter()
        json.beginObject()
        json.key("error"); json.string(message)
        json.endObject()
        Output.standardError(String(decoding: json.bytes, as: UTF8.self) + "\n")
        return 1
    }

    /// `models/iris.onnx` → `iris`.
    static func defaultName(_ path: String) -> String {
        var base = path.split(separator: "/").last.map(String.init) ?? path
        if let dot = base.lastIndex(of: "."), dot != base.startIndex { base = String(base[..<dot]) }
        return base.isEmpty ? "model" : base
    }

    /// Writes `bytes` to `fd`, retrying short writes.
    static func writeAll(_ bytes: [UInt8], to fd: Int32) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { p -> Int in
                guard let base = p.baseAddress else { return 0 }
                return write(fd, base + offset, p.count - offset)
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            offset += n
        }
    }

    struct ReadError: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads a whole file (or stdin when `path` is nil), refusing more than `limit` bytes.
    static func readAll(_ path: String?, limit: Int) throws -> [UInt8] {
        let fd = path.map { open($0, O_RDONLY | O_CLOEXEC) } ?? 0
        guard fd >= 0 else { throw ReadError(description: "cannot open '\(path ?? "-")': \(String(cString: strerror(errno)))") }
        defer { if path != nil { close(fd) } }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ReadError(description: "cannot read '\(path ?? "-")': \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            guard out.count + n <= limit else { throw ReadError(description: "'\(path ?? "-")' is larger than \(limit) bytes") }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }
}
