#if canImport(Glibc)
import Glibc
#endif

/// Keeps the memory freed after a model load from staying in the process (RSS).
///
/// glibc raises its mmap threshold to the size of the largest block freed (its "dynamic
/// threshold", `mallopt(3)`): after a model file of a few MB is read and freed, every
/// buffer up to that size comes from the heap instead of `mmap`, and the parse buffers a
/// load frees stay resident as fragmented heap (measured: +15 MB RSS for a 5.8 MB
/// RandomForest). Fixing the threshold keeps large blocks on `mmap` (returned on `free`),
/// and trimming after each load hands back the free heap pages that remain.
enum ProcessMemory {
    /// Blocks of at least this size are mapped, never carved from the heap (glibc's
    /// default before it adapts).
    static let mmapThreshold: Int32 = 128 * 1024

    /// `M_MMAP_THRESHOLD` from glibc's `<malloc.h>` (which Swift's Glibc module does not import).
    static let mmapThresholdParameter: Int32 = -3

    /// Sets the allocator policy; call once at start, before loading models.
    static func configure() {
        guard let symbol = symbol("mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        _ = mallopt(mmapThresholdParameter, mmapThreshold)
    }

    /// Returns free heap memory to the system; call after a model load (off the hot path).
    static func releaseFreedMemory() {
        guard let symbol = symbol("malloc_trim") else { return }
        let trim = unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        _ = trim(0)
    }

    /// The glibc function `name`, looked up at run time (nil with another C library).
    private static func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        #if canImport(Glibc)
        return dlsym(UnsafeMutableRawPointer(bitPattern: 0), name)
        #else
        return nil
        #endif
    }
}
