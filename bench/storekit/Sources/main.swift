// storekit-bench: SHA-256 throughput and store open/migrate/snapshot latency.
//
//   storekit-bench sha256 [MiB]                 hash MiB of data, best of 5 -> MB/s
//   storekit-bench open DIR [MODELS VERSIONS]   fill DIR once (MODELS x VERSIONS), then time
//                                               open + migrate + snapshot, 200 rounds
//   storekit-bench open-once DIR                one open + migrate + snapshot, for timing a
//                                               whole process from outside
import Glibc
import StoreKitLite

func monotonic() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// CPU time of this thread: steadier than wall time on a shared, loaded machine.
func threadCPU() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

func sha(_ mib: Int) {
    let size = mib << 20
    var bytes = [UInt8](repeating: 0, count: size)
    for i in 0..<size { bytes[i] = UInt8(truncatingIfNeeded: i &* 31 &+ 7) }
    var best = Double.infinity, bestCPU = Double.infinity
    var hex = ""
    for _ in 0..<5 {
        let t0 = monotonic(), c0 = threadCPU()
        hex = bytes.withUnsafeBytes { SHA256.hash($0) }.hex
        best = min(best, monotonic() - t0)
        bestCPU = min(bestCPU, threadCPU() - c0)
    }
    print(#"{"bench":"sha256","bytes":\#(size),"best_seconds":\#(best),"mb_per_s":\#(Double(size) / 1e6 / best),"mb_per_cpu_s":\#(Double(size) / 1e6 / bestCPU),"digest":"\#(hex)"}"#)
}

func fill(_ dir: String, models: Int, versions: Int) throws {
    mkdir(dir, 0o755)
    let store = try MetadataStore(path: dir + "/monolith.sqlite")
    guard try store.models(limit: 1).isEmpty else { return }
    let artifacts = try ArtifactStore(directory: dir + "/artifacts")
    for m in 0..<models {
        for v in 0..<versions {
            let artifact = try artifacts.put(Array("model \(m) version \(v) ".utf8) + [UInt8](repeating: UInt8(v), count: 4096))
            try store.createVersion(model: "model-\(m)", NewModelVersion(
                artifact: artifact, source: VersionSource(kind: .registry, location: "models/\(m)/\(v)"),
                signature: #"{"inputs":[{"name":"x","datatype":"FP32","shape":[-1,4]}],"outputs":[{"name":"y","datatype":"INT64","shape":[-1]}]}"#,
                metadata: #"{"metrics":{"accuracy":0.95},"params":{"C":1.0}}"#, status: .ready))
        }
        try store.setAlias(model: "model-\(m)", alias: "production", version: Int64(versions))
    }
}

/// CPU time of the whole process (all threads).
func processCPU() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func openOnce(_ dir: String) throws -> (open: Double, snapshot: Double, models: Int, openCPU: Double, snapshotCPU: Double) {
    let t0 = monotonic(), c0 = processCPU()
    let store = try MetadataStore(path: dir + "/monolith.sqlite")
    _ = try ArtifactStore(directory: dir + "/artifacts")
    let t1 = monotonic(), c1 = processCPU()
    let snapshot = try store.registrySnapshot()
    let t2 = monotonic(), c2 = processCPU()
    return (t1 - t0, t2 - t1, snapshot.models.count, c1 - c0, c2 - c1)
}

let arguments = CommandLine.arguments
do {
    switch arguments.count > 1 ? arguments[1] : "" {
    case "sha256":
        sha(arguments.count > 2 ? Int(arguments[2]) ?? 64 : 64)
    case "open":
        guard arguments.count > 2 else { throw StoreError(.invalidArgument, "open DIR [MODELS VERSIONS]") }
        let dir = arguments[2]
        let models = arguments.count > 3 ? Int(arguments[3]) ?? 100 : 100
        let versions = arguments.count > 4 ? Int(arguments[4]) ?? 3 : 3
        try fill(dir, models: models, versions: versions)
        var opens: [Double] = [], snapshots: [Double] = []
        var count = 0
        for _ in 0..<200 {
            let (open, snapshot, n, _, _) = try openOnce(dir)
            opens.append(open)
            snapshots.append(snapshot)
            count = n
        }
        print(#"{"bench":"store-open","models":\#(count),"versions_per_model":\#(versions),"open_migrate_ms_p50":\#(percentile(opens, 0.5) * 1000),"open_migrate_ms_p99":\#(percentile(opens, 0.99) * 1000),"snapshot_ms_p50":\#(percentile(snapshots, 0.5) * 1000),"snapshot_ms_p99":\#(percentile(snapshots, 0.99) * 1000)}"#)
    case "open-once":
        guard arguments.count > 2 else { throw StoreError(.invalidArgument, "open-once DIR") }
        let (open, snapshot, n, openCPU, snapshotCPU) = try openOnce(arguments[2])
        print(#"{"bench":"store-open-once","models":\#(n),"open_migrate_ms":\#(open * 1000),"snapshot_ms":\#(snapshot * 1000),"open_migrate_cpu_ms":\#(openCPU * 1000),"snapshot_cpu_ms":\#(snapshotCPU * 1000)}"#)
    default:
        print("usage: storekit-bench sha256 [MiB] | open DIR [MODELS VERSIONS] | open-once DIR")
        exit(2)
    }
} catch {
    print("storekit-bench: \(error)")
    exit(1)
}
