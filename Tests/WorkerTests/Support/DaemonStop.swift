import Foundation
import Testing
import TestSupport

/// Starts `gvm-worker` with `arguments`, checks it is still running after
/// half a second (it validated its settings and is backing off from a
/// coordinator that is not there), sends SIGTERM, and checks it exits 0.
func expectWorkerRunsUntilSIGTERM(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let process = Process()
    process.executableURL = BuiltProduct.worker.url
    process.arguments = arguments
    try process.run()
    try await Task.sleep(for: .milliseconds(500))
    #expect(process.isRunning, sourceLocation: sourceLocation)
    process.terminate()
    let deadline = ContinuousClock.now + .seconds(10)
    while process.isRunning, ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(20))
    }
    #expect(!process.isRunning, sourceLocation: sourceLocation)
    #expect(process.terminationReason == .exit, sourceLocation: sourceLocation)
    #expect(process.terminationStatus == 0, sourceLocation: sourceLocation)
}
