#if canImport(Glibc)
import Glibc
#endif

/// Which matmul kernels this CPU can run, decided once per process.
///
/// The wide kernels (`ModelKitKernels.AVX2Kernels`) are compiled for AVX2 + FMA on x86-64,
/// so they may only run when `/proc/cpuinfo` lists both `avx2` and `fma` (the kernel lists
/// them only when the OS also saves the ymm state). On arm64 they compile to NEON with
/// fused multiply-add, which every arm64 CPU has. `MONOLITH_MODELKIT_KERNELS=generic`
/// forces the portable SSE2 kernels.
enum CPUFeatures {
    static let wideKernels: Bool = {
        if let setting = getenv("MONOLITH_MODELKIT_KERNELS"), String(cString: setting) == "generic" { return false }
        #if arch(x86_64)
        guard let text = readProcFile("/proc/cpuinfo") else { return false }
        return hasFlags(cpuinfo: text, ["avx2", "fma"])
        #elseif arch(arm64)
        return true
        #else
        return false
        #endif
    }()

    /// Whether the first `flags` line of a `/proc/cpuinfo` text lists every one of `required`.
    static func hasFlags(cpuinfo: String, _ required: [String]) -> Bool {
        for line in cpuinfo.split(separator: "\n") where line.hasPrefix("flags") {
            let flags = Set(line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }).map(String.init))
            return required.allSatisfy { flags.contains($0) }
        }
        return false
    }

    /// Reads a /proc file (whose size `stat` reports as 0) up to 4 MiB.
    static func readProcFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while bytes.count < 4 << 20 {
            let n = chunk.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return -1 }
                return read(fd, base, buffer.count)
            }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
