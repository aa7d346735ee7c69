import Foundation
import Testing
import TestSupport

/// `gvm-worker run` as a process: bad settings fail with a message, and a
/// signal stops the daemon cleanly.
@Suite struct RunCommandTests {
    @Test(arguments: [
        (["--coordinator", "http://127.0.0.1:9", "--backend", "openai", "--model", "m"], "--endpoint"),
        (["--coordinator", "http://127.0.0.1:9", "--backend", "openai", "--endpoint", "http://127.0.0.1:9/v1"], "--model"),
        (["--coordinator", "http://127.0.0.1:9", "--backend", "nope"], "unknown --backend \"nope\""),
        (["--backend", "openai", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m"], "missing --coordinator"),
        (["--coordinator", "http://127.0.0.1:9", "--backend", "openai", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m", "--concurrency", "0"], "--concurrency"),
        (["--coordinator", "http://127.0.0.1:9", "--backend", "openai", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m", "--concurrency", "many"], "--concurrency"),
        (["--config", "/nonexistent/worker.json"], "cannot read --config"),
        (["--coordinator", "http://127.0.0.1:9", "--backend", "openai", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m", "--bogus"], "Unknown option '--bogus'"),
    ])
    func badArgumentsFailWithAMessage(arguments: [String], message: String) async throws {
        let result = try await BuiltProduct.worker.run(["run"] + arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test func sigtermStopsTheDaemonWithStatusZero() async throws {
        try await expectWorkerRunsUntilSIGTERM([
            "run", "--coordinator", "http://127.0.0.1:9", "--backend", "openai",
            "--endpoint", "http://127.0.0.1:9/v1", "--model", "m", "--log-level", "critical",
        ])
    }
}
