import Dispatch
import Foundation
import Synchronization

/// A long-running child process (a coordinator or a worker) whose output is
/// collected as it comes, so tests can wait for a line and read logs after.
// Process is used only through its thread-safe calls (run, kill, isRunning).
public final class RunningProcess: @unchecked Sendable {
    public let name: String
    private let process: Process
    private let output = CapturedOutput()
    private let errors = CapturedOutput()

    /// Starts `product` with `arguments`, and `environment` added to the
    /// test's own; stdout and stderr are captured.
    public init(_ product: BuiltProduct, _ arguments: [String], name: String? = nil, environment: [String: String] = [:]) throws {
        self.name = name ?? product.name
        process = Process()
        process.executableURL = product.url
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        process.standardInput = FileHandle.nullDevice
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        Self.drain(stdout.fileHandleForReading, into: output)
        Self.drain(stderr.fileHandleForReading, into: errors)
    }

    /// Reads a pipe to its end on a thread of its own. (FileHandle's
    /// readabilityHandler runs on a dispatch source that can crash the test
    /// process when the handle goes away with the source still armed.)
    private static func drain(_ handle: FileHandle, into captured: CapturedOutput) {
        let thread = Thread {
            let descriptor = handle.fileDescriptor
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    captured.bytes.withLock { $0.append(contentsOf: buffer[0..<count]) }
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            try? handle.close()
        }
        thread.start()
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    public var stdoutText: String { output.bytes.withLock { String(decoding: $0, as: UTF8.self) } }
    public var stderrText: String { errors.bytes.withLock { String(decoding: $0, as: UTF8.self) } }

    /// Waits until stdout has a line starting with `prefix` and returns it.
    public func line(startingWith prefix: String, timeout: Duration = .seconds(60)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = stdoutText.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) {
                return String(line)
            }
            guard isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ProcessFailure("\(name) printed no line starting with \"\(prefix)\"; stderr:\n\(stderrText.suffix(4000))")
    }

    /// The port of a server that printed `listening on http://HOST:PORT`
    /// (or https://).
    public func listeningPort(timeout: Duration = .seconds(60)) async throws -> Int {
        let line = try await line(startingWith: "listening on http", timeout: timeout)
        guard let port = line.split(separator: ":").last.flatMap({ Int($0) }) else {
            throw ProcessFailure("cannot read a port from \"\(line)\"")
        }
        return port
    }

    public func signal(_ number: Int32) {
        if isRunning { kill(process.processIdentifier, number) }
    }

    /// Waits for the process to exit (up to `timeout`, then SIGKILL) and returns its status.
    @discardableResult
    public func waitForExit(timeout: Duration = .seconds(60)) async -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if isRunning {
            kill(process.processIdentifier, SIGKILL)
            while isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        }
        return process.terminationStatus
    }

    /// SIGKILL, for tests that crash a process on purpose, and for cleanup.
    public func kill9() async {
        signal(SIGKILL)
        await waitForExit(timeout: .seconds(10))
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

public struct ProcessFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Output read from a pipe on Foundation's reader thread.
final class CapturedOutput: Sendable {
    let bytes = Mutex(Data())
}
