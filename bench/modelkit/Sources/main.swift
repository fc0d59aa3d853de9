// Per-call latency of `Session.run`, single-threaded. Two ways to call it:
//
//   modelkit-bench MODEL.onnx BATCH[,BATCH...] [SECONDS_PER_SIZE]
//       random float inputs; one line per batch size:
//       `batch=<n> calls=<k> us_per_call=<median of 5 rounds>`, in this thread's CPU time
//       (CLOCK_THREAD_CPUTIME_ID) so a busy machine skews less.
//
//   modelkit-bench --model MODEL.onnx --tensor NAME=FILE.pb [--tensor ...] --budget SECONDS
//       the given inputs (serialized TensorProto); one JSON line: median_us (thread-CPU time
//       per call, median of 5 rounds, as bench/lib/inproc.py times onnxruntime), wall_us,
//       calls, and the first call's tensor outputs in KServe V2 form (bench/README.md).
import ModelKit
#if canImport(Glibc)
import Glibc
#endif

/// This thread's CPU time in microseconds.
func cpuMicros() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) * 1e6 + Double(ts.tv_nsec) / 1e3
}

/// Monotonic wall time in nanoseconds.
func wallNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Deterministic pseudo-random floats in [-2, 2).
func values(_ count: Int) -> [Float] {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(state >> 40) / Float(1 << 24) * 4 - 2
    }
}

func readFile(_ path: String) throws -> [UInt8] {
    guard let f = fopen(path, "rb") else { throw ModelError(.io, "cannot open \(path)") }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = fread(&chunk, 1, chunk.count, f)
        if n <= 0 { break }
        bytes.append(contentsOf: chunk[0..<n])
    }
    return bytes
}

func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

/// A tensor's elements as JSON numbers/booleans/strings.
func jsonData(_ t: Tensor) -> String {
    func num(_ d: Double) -> String { d.isFinite ? "\(d)" : "null" }
    switch t.storage {
    case .float(let v): return "[" + v.map { $0.isFinite ? "\($0)" : "null" }.joined(separator: ",") + "]"
    case .string(let v): return "[" + v.map(jsonString).joined(separator: ",") + "]"
    case .bool(let v): return "[" + v.map { $0 ? "true" : "false" }.joined(separator: ",") + "]"
    default:
        if let i = t.int64Values() { return "[" + i.map(String.init).joined(separator: ",") + "]" }
        return "[" + (t.doubleValues() ?? []).map(num).joined(separator: ",") + "]"
    }
}

func contractMode(_ args: [String]) throws {
    var model = "", budget = 2.0
    var feeds: [String: Tensor] = [:]
    var i = 1
    while i < args.count {
        let flag = args[i], value = i + 1 < args.count ? args[i + 1] : ""
        switch flag {
        case "--model": model = value
        case "--budget": budget = Double(value) ?? 2
        case "--tensor":
            guard let eq = value.firstIndex(of: "=") else { throw ModelError(.invalidInput, "--tensor wants NAME=FILE") }
            feeds[String(value[..<eq])] = try Tensor(serializedTensorProto: try readFile(String(value[value.index(after: eq)...])))
        default: break
        }
        i += 2
    }
    let session = try Session(contentsOfFile: model)
    let first = try session.run(feeds)
    // As bench/lib/inproc.py times onnxruntime: 0.2 s warm-up, then 5 rounds of budget/5;
    // median_us is the median round's thread-CPU time per call, wall_us its wall time.
    var calls = 0
    let warm = wallNanos()
    while wallNanos() - warm < 200_000_000 {
        _ = try session.run(feeds)
        calls += 1
    }
    let perRound = max(1, Int(Double(calls) * budget / 5 / 0.2))
    var cpuRounds: [Double] = [], wallRounds: [Double] = []
    for _ in 0..<5 {
        let c = cpuMicros(), w = wallNanos()
        for _ in 0..<perRound { _ = try session.run(feeds) }
        cpuRounds.append((cpuMicros() - c) / Double(perRound))
        wallRounds.append(Double(wallNanos() - w) / 1000 / Double(perRound))
    }
    cpuRounds.sort()
    wallRounds.sort()
    var outputs: [String] = []
    for description in session.outputs {
        guard let t = first[description.name]?.tensor else { continue }
        outputs.append("{\"name\":\(jsonString(description.name)),\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],"
            + "\"datatype\":\"\(t.dataType.v2Name ?? "BYTES")\",\"data\":\(jsonData(t))}")
    }
    print("{\"median_us\":\(cpuRounds[2]),\"wall_us\":\(wallRounds[2]),\"rounds_us\":[\(cpuRounds.map { "\($0)" }.joined(separator: ","))],"
        + "\"calls\":\(perRound * 5),\"outputs\":[\(outputs.joined(separator: ","))]}")
}

func linesMode(_ args: [String]) throws {
    let session = try Session(contentsOfFile: args[1])
    let batches = args[2].split(separator: ",").compactMap { Int($0) }
    let seconds = args.count > 3 ? Double(args[3]) ?? 2 : 2
    guard let input = session.inputs.first, let shape = input.shape else {
        throw ModelError(.invalidInput, "model has no tensor input")
    }
    for batch in batches {
        let dims = shape.enumerated().map { $0.offset == 0 && $0.element < 0 ? batch : max($0.element, 1) }
        let feeds = [input.name: try Tensor(shape: dims, elements: values(dims.reduce(1, *)))]
        var calls = 0
        let warm = wallNanos()
        while wallNanos() - warm < 200_000_000 {
            _ = try session.run(feeds)
            calls += 1
        }
        let perRound = max(1, Int(Double(calls) * seconds / 5 / 0.2))
        var rounds: [Double] = []
        for _ in 0..<5 {
            let start = cpuMicros()
            for _ in 0..<perRound { _ = try session.run(feeds) }
            rounds.append((cpuMicros() - start) / Double(perRound))
        }
        rounds.sort()
        print("batch=\(batch) calls=\(perRound * 5) us_per_call=\((rounds[2] * 1000).rounded() / 1000)")
    }
}

let arguments = CommandLine.arguments
do {
    if arguments.contains("--model") {
        try contractMode(arguments)
    } else if arguments.count >= 3 {
        try linesMode(arguments)
    } else {
        print("usage: modelkit-bench MODEL.onnx BATCH[,BATCH...] [SECONDS] | --model M --tensor NAME=FILE.pb --budget S")
        exit(2)
    }
} catch {
    print("error: \(error)")
    exit(1)
}
