// Per-call latency of `Session.run` for one model at several batch sizes, single-threaded.
//
// usage: modelkit-bench MODEL.onnx BATCH[,BATCH...] [SECONDS_PER_SIZE]
// Prints one line per batch size: `batch=<n> calls=<k> us_per_call=<median of 5 rounds>`,
// measured in this thread's CPU time (CLOCK_THREAD_CPUTIME_ID) so a busy machine skews less.
import ModelKit
#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    print("usage: modelkit-bench MODEL.onnx BATCH[,BATCH...] [SECONDS_PER_SIZE]")
    exit(2)
}
let session = try Session(contentsOfFile: arguments[1])
let batches = arguments[2].split(separator: ",").compactMap { Int($0) }
let seconds = arguments.count > 3 ? Double(arguments[3]) ?? 2 : 2
guard let input = session.inputs.first, let shape = input.shape else {
    print("model has no tensor input")
    exit(2)
}

/// Deterministic pseudo-random floats in [-2, 2).
func values(_ count: Int) -> [Float] {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(state >> 40) / Float(1 << 24) * 4 - 2
    }
}

/// This thread's CPU time in microseconds: robust to other processes sharing the cores.
func cpuMicros() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) * 1e6 + Double(ts.tv_nsec) / 1e3
}

let clock = ContinuousClock()
for batch in batches {
    let dims = shape.enumerated().map { $0.offset == 0 && $0.element < 0 ? batch : max($0.element, 1) }
    let tensor = try Tensor(shape: dims, elements: values(dims.reduce(1, *)))
    let feeds = [input.name: tensor]
    // Warm up and size the rounds to about seconds/5 each.
    var calls = 0
    let warm = clock.now
    while clock.now - warm < .milliseconds(200) {
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
    print("batch=\(batch) calls=\(perRound * 5) us_per_call=\(String(format3(rounds[2])))")
}

func format3(_ x: Double) -> String {
    let scaled = (x * 1000).rounded() / 1000
    return "\(scaled)"
}
