// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for Monolith, a package of their own so `swift test` of the root
// package never builds them. Build and run one with:
//
//     Fuzz/run.sh FuzzHTTPParser 600        # seconds; crashes land in Fuzz/artifacts/
//
// To add a target: append it to `fuzzTargets` with the root products it needs, then add
// Sources/<Name>/main.swift calling `runLibFuzzer { data, size in ... }` (see FuzzHTTPParser),
// and optionally seed inputs in Seeds/<Name>/ and a dictionary Dictionaries/<Name>.dict.
let fuzzTargets: [(name: String, products: [String])] = [
    ("FuzzHTTPParser", ["HTTPKit"]),
    ("ModelLoaderFuzzer", ["ModelKit"]),
]

let package = Package(
    name: "MonolithFuzz",
    dependencies: [.package(name: "Monolith", path: "..")],
    targets: [
        .target(name: "CFuzzerDriver"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzerDriver"]),
    ] + fuzzTargets.map { target in
        .executableTarget(
            name: target.name,
            dependencies: ["FuzzSupport"] + target.products.map { .product(name: $0, package: "Monolith") }
        )
    }
)
