// swift-tools-version:6.0
import PackageDescription

// ModelKit's float32 matmul kernels are compiled for AVX2 + FMA in a target of their own and
// called only after a run-time CPU check (ModelKit falls back to SSE2 kernels otherwise).
#if arch(x86_64)
let modelKitKernelFlags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma"])]
#else
let modelKitKernelFlags: [SwiftSetting] = []
#endif

// Release links of the executable take libstdc++ and the unwinder from their static archives
// (tools/link/static-cxx holds two linker scripts that redirect -lstdc++ and -lgcc_s): with
// --static-swift-stdlib the binary then loads only glibc (libc, libm) at start. Debug and test
// builds link the dynamic Swift runtime, which brings its own libstdc++, so they are left alone.
let staticCxxLinkerSettings: [LinkerSetting] = [
    .unsafeFlags(["-L", Context.packageDirectory + "/tools/link/static-cxx"], .when(platforms: [.linux], configuration: .release)),
]

// No package dependencies: the Swift toolchain and system C libraries only.
// SQLite and zlib are linked statically (`-l:libsqlite3.a`, `-l:libz.a` from Debian's
// libsqlite3-dev and zlib1g-dev) so the binary needs neither at run time; release builds add
// `--static-swift-stdlib`.
let package = Package(
    name: "Monolith",
    products: [
        .executable(name: "monolith", targets: ["Monolith"]),
        .library(name: "HTTPKit", targets: ["HTTPKit"]),
        .library(name: "ModelKit", targets: ["ModelKit"]),
        .library(name: "StoreKitLite", targets: ["StoreKitLite"]),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .target(name: "CLinux", path: "Sources/CLinux"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(
            name: "HTTPKit",
            dependencies: ["CLinux", "CZlib"],
            linkerSettings: [.unsafeFlags(["-Xlinker", "-l:libz.a"])]
        ),
        .target(name: "ModelKitKernels", swiftSettings: modelKitKernelFlags),
        .target(name: "ModelKit", dependencies: ["ModelKitKernels"]),
        .target(
            name: "StoreKitLite",
            dependencies: ["CSQLite"],
            linkerSettings: [.unsafeFlags(["-Xlinker", "-l:libsqlite3.a", "-Xlinker", "-lm"])]
        ),
        .executableTarget(
            name: "Monolith",
            dependencies: ["HTTPKit", "ModelKit", "StoreKitLite"],
            linkerSettings: staticCxxLinkerSettings
        ),
        .testTarget(name: "HTTPKitTests", dependencies: ["HTTPKit"]),
        .testTarget(name: "ModelKitTests", dependencies: ["ModelKit"], resources: [.copy("Fixtures")]),
        .testTarget(name: "StoreKitLiteTests", dependencies: ["StoreKitLite"]),
        .testTarget(name: "MonolithTests", dependencies: ["Monolith", "HTTPKit", "ModelKit", "StoreKitLite"]),
    ],
    swiftLanguageModes: [.v6]
)
