import Foundation
import TestSupport

/// The repository's `deploy/` folder and what the tests need around it.
enum Deployment {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("deploy")

    static let coordinatorUnit = "gvm-coordinator.service"
    static let workerTemplate = "gvm-worker@.service"

    /// Where the units expect the installed binaries, and the built ones that
    /// stand in for them in the tests.
    static let installedBinaries: [(installed: String, built: BuiltProduct)] = [
        ("/usr/local/bin/gvm-coordinator", .coordinator),
        ("/usr/local/bin/gvm-worker", .worker),
    ]

    /// The worker shuts down within this many seconds of SIGTERM by default
    /// (`--shutdown-grace`, `shutdownGraceSeconds`).
    static let workerDefaultShutdownGraceSeconds = 30.0

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    static func text(_ name: String) throws -> String {
        try String(contentsOf: url(name), encoding: .utf8)
    }

    static func unit(_ name: String) throws -> UnitFile {
        try UnitFile(contentsOf: url(name))
    }

    /// `TimeoutStopSec=` in seconds, for the `30s`, `1min 30s` or bare number forms.
    static func seconds(_ timespan: String) -> Double? {
        let units: [(suffix: String, factor: Double)] = [
            ("min", 60), ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600),
        ]
        var total = 0.0
        for part in timespan.split(separator: " ") {
            if let number = Double(part) {
                total += number
                continue
            }
            guard let unit = units.first(where: { part.hasSuffix($0.suffix) }),
                  let number = Double(part.dropLast(unit.suffix.count)) else { return nil }
            total += number * unit.factor
        }
        return total
    }

    /// The host name as systemd's `%H` gives it.
    static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The environment a worker instance's ExecStart is expanded with:
    /// the unit's `Environment=` defaults, overridden by the environment file.
    static func workerEnvironment(unit: UnitFile, environmentFile: String) throws -> [String: String] {
        EnvironmentFile.assignments(unit.values("Environment"))
            .merging(try EnvironmentFile.parse(environmentFile)) { _, file in file }
    }
}

/// A fresh directory under the system's temporary folder, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("gvm-deployment-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func write(_ text: String, to name: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Runs a program that is not one of the package's products, with stdout and
/// stderr going to files so that neither pipe can fill up.
enum ExternalCommand {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The first executable called `name` in `PATH`, or in the usual system folders.
    static func find(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]
        return folders
            .map { URL(fileURLWithPath: $0).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    static func run(_ executable: URL, _ arguments: [String], in directory: TemporaryDirectory) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    let stdout = directory.url.appendingPathComponent("stdout-\(UUID().uuidString)")
                    let stderr = directory.url.appendingPathComponent("stderr-\(UUID().uuidString)")
                    for file in [stdout, stderr] {
                        guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
                            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path])
                        }
                    }
                    let process = Process()
                    process.executableURL = executable
                    process.arguments = arguments
                    process.standardInput = FileHandle.nullDevice
                    process.standardOutput = try FileHandle(forWritingTo: stdout)
                    process.standardError = try FileHandle(forWritingTo: stderr)
                    try process.run()
                    process.waitUntilExit()
                    continuation.resume(returning: Result(
                        status: process.terminationStatus,
                        stdout: try String(contentsOf: stdout, encoding: .utf8),
                        stderr: try String(contentsOf: stderr, encoding: .utf8)))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
