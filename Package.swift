// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "gvm",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Shared", targets: ["Shared"]),
        // For the verifier benchmarks (Benchmarks/).
        .library(name: "MathVerifier", targets: ["MathVerifier"]),
        .executable(name: "gvm-coordinator", targets: ["Coordinator"]),
        .executable(name: "gvm-worker", targets: ["Worker"]),
        .executable(name: "gvm-model", targets: ["ModelTool"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // Wire types, allocation strategies and statistics: everything both
        // daemons (and the benchmarks) share, with no I/O of its own.
        .target(name: "Shared"),
        // The answer verifier: extracts a response's final answer and judges it
        // against the gold answer. Needs Shared for `Verdict` (on the wire) and
        // `SplitMix64` (its sample points).
        .target(name: "MathVerifier", dependencies: ["Shared"]),
        .executableTarget(
            name: "Coordinator",
            dependencies: [
                "Shared",
                "MathVerifier",
                "Policy",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "ClientAccess",
                "CurlHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                // HTTPS from certificate and key files (ServerTLS), on swift-nio-ssl.
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // SIGHUP reloads the tokens file (TokenReloader).
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "Worker",
            dependencies: [
                "Shared",
                "MathVerifier",
                "ClientAccess",
                "CurlHTTP",
                "Policy",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The token a worker or operator command presents to the coordinator
        // (--token-file, GVM_TOKEN), and how they treat its refusal.
        .target(name: "ClientAccess"),
        // libcurl, for all of the worker's HTTP (see CurlHTTP).
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // Async HTTP client on libcurl's multi interface, driven by one thread.
        .target(name: "CurlHTTP", dependencies: ["CCurl"]),
        // OpenBLAS (CBLAS), for every matrix product of the built-in model.
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // The built-in model: a character-level transformer written by hand on
        // OpenBLAS, its sampler, optimiser and weights file, and the synthetic
        // arithmetic tasks it learns.
        .target(
            name: "Policy",
            dependencies: ["Shared", "MathVerifier", "COpenBLAS"]
        ),
        // gvm-model: generate the tasks, warm-start, evaluate and benchmark the
        // built-in model.
        .executableTarget(
            name: "ModelTool",
            dependencies: [
                "Policy",
                "COpenBLAS",
                "Shared",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // SHA-256 of the weights a gradient-pools batch was built from.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Fixture lookup and process helpers for every test target.
        .target(
            name: "TestSupport",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "SharedTests",
            dependencies: ["Shared", "TestSupport"]
        ),
        // Extraction, normalisation, equivalence and robustness of the verifier,
        // and its verdicts on the fixture datasets.
        .testTarget(
            name: "MathVerifierTests",
            dependencies: ["MathVerifier", "Shared", "TestSupport"]
        ),
        .testTarget(
            name: "CoordinatorTests",
            dependencies: [
                "Coordinator", "Policy", "Shared", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // A real coordinator, real workers and an OpenAI test double over loopback.
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "Shared", "TestSupport", "CurlHTTP", "Coordinator", "Worker", "Policy",
                // SHA-256 of the tokens the access tests make.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Runs the built executables as real processes.
        .testTarget(
            name: "CommandTests",
            dependencies: ["Shared", "TestSupport", "Coordinator", "Worker"]
        ),
        // Real HTTP over loopback against a small server inside the tests.
        .testTarget(
            name: "CurlHTTPTests",
            dependencies: ["CurlHTTP"]
        ),
        // The worker's backend, loop and command, against in-process doubles.
        .testTarget(
            name: "WorkerTests",
            dependencies: [
                "Worker", "Shared", "TestSupport", "CurlHTTP", "Policy", "ClientAccess",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        // The systemd units and example configuration in deploy/, verified
        // with systemd-analyze against the built executables.
        .testTarget(name: "DeploymentTests", dependencies: ["TestSupport"]),
        // Gradient checks, overfitting, weights files and the task generator.
        .testTarget(name: "PolicyTests", dependencies: ["Policy", "MathVerifier", "Shared", "TestSupport"]),
    ]
)
