import Foundation
import Testing
import TestSupport

@Suite("gvm-coordinator serve")
struct ServeCommandTests {
    @Test("bad settings exit non-zero and name the problem", arguments: [
        (#"{"dbb":"/tmp/x.sqlite"}"#, "dbb"),
        (#"{"db":"/tmp/x.sqlite","port":"80"}"#, "port"),
        (#"{"db":"/tmp/x.sqlite","port":70000}"#, "--port"),
        (#"{"db":"/tmp/x.sqlite","logLevel":"loud"}"#, "logLevel"),
        (#"{}"#, "--db is required"),
        (#"{"db":"/tmp/x.sqlite","maxDatabaseMiB":0}"#, "maxDatabaseMiB"),
        (#"{"db":"/tmp/x.sqlite","maxDatabaseMiB":1.5}"#, "maxDatabaseMiB"),
    ])
    func badConfig(json: String, problem: String) async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gvm-serve-\(UUID().uuidString).json")
        try Data(json.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try await BuiltProduct.coordinator.run(["serve", "--config", file.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains(problem), "\(result.stderr)")
    }
}
