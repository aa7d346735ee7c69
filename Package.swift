// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "gvm",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Shared", targets: ["Shared"]),
        .executable(name: "gvm-coordinator", targets: ["Coordinator"]),
        .executable(name: "gvm-worker", targets: ["Worker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        // Wire types, allocation strategies, statistics and the answer verifier:
        // everything both daemons (and the benchmarks) share, with no I/O of its own.
        .target(name: "Shared"),
        .executableTarget(
            name: "Coordinator",
            dependencies: [
                "Shared",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "Worker",
            dependencies: [
                "Shared",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Fixture lookup and process helpers for every test target.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "SharedTests",
            dependencies: ["Shared", "TestSupport"]
        ),
        // Runs the built executables as real processes.
        .testTarget(
            name: "CommandTests",
            dependencies: ["Shared", "TestSupport", "Coordinator", "Worker"]
        ),
    ]
)
