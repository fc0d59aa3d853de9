// swift-tools-version:6.0
import PackageDescription

// The ModelKit benchmark: its own package so it never becomes part of the product.
let package = Package(
    name: "ModelKitBench",
    dependencies: [.package(name: "Monolith", path: "../..")],
    targets: [
        .executableTarget(
            name: "modelkit-bench",
            dependencies: [.product(name: "ModelKit", package: "Monolith")],
            path: "Sources"
        ),
    ],
    swiftLanguageModes: [.v6]
)
