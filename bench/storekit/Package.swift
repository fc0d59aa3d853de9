// swift-tools-version:6.0
import PackageDescription

// The StoreKitLite benchmark: its own package so it never becomes part of the product.
let package = Package(
    name: "StoreKitBench",
    dependencies: [.package(name: "Monolith", path: "../..")],
    targets: [
        .executableTarget(
            name: "storekit-bench",
            dependencies: [.product(name: "StoreKitLite", package: "Monolith")],
            path: "Sources"
        ),
    ],
    swiftLanguageModes: [.v6]
)
