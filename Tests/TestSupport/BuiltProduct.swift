import Dispatch
import Foundation

/// Runs one of the package's executables, built beside the test bundle, as a
/// real process.
public struct BuiltProduct: Sendable {
    public let name: String

    public init(name: String) { self.name = name }

    public static let coordinator = BuiltProduct(name: "gvm-coordinator")
    public static let worker = BuiltProduct(name: "gvm-worker")
    public static let model = BuiltProduct(name: "gvm-model")

    public var url: URL {
        // The test runner lives in the same build folder as the executables.
        let runner = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return runner.deletingLastPathComponent().appendingPathComponent(name)
    }

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: String
        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs the product with `input` on stdin and `environment` added to the
    /// test's own. The blocking waits happen on Dispatch threads, not on the
    /// test's cooperative thread.
    public func run(_ arguments: [String], input: Data = Data(), environment: [String: String] = [:]) async throws -> Result {
        let url = self.url
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    continuation.resume(returning: try Self.runBlocking(url, arguments, input, environment))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private static func runBlocking(_ url: URL, _ arguments: [String], _ input: Data, _ environment: [String: String]) throws -> Result {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()

        // Feed stdin and drain both outputs at once so no pipe fills up.
        let group = DispatchGroup()
        nonisolated(unsafe) var out = Data()
        nonisolated(unsafe) var err = Data()
        DispatchQueue.global().async(group: group) {
            stdin.fileHandleForWriting.write(input)
            try? stdin.fileHandleForWriting.close()
        }
        DispatchQueue.global().async(group: group) { out = stdout.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { err = stderr.fileHandleForReading.readDataToEndOfFile() }
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: out, stderr: String(decoding: err, as: UTF8.self))
    }
}
