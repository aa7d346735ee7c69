// swift-tools-version: 6.1
import PackageDescription

// Benchmarks live in their own package so that the product's build and tests
// never pull in the benchmark harness. Run them with `make bench` from the
// repository root (release build).
let package = Package(
    name: "gvm-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "gvm", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "AllocationBenchmarks",
            dependencies: [
                .product(name: "Shared", package: "gvm"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/AllocationBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "VerifierBenchmarks",
            dependencies: [
                .product(name: "Shared", package: "gvm"),
                .product(name: "MathVerifier", package: "gvm"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/VerifierBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
