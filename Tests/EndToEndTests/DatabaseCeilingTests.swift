import CurlHTTP
import Foundation
import Shared
import Testing
import TestSupport

/// `serve --max-database-mib`: a ceiling on the database's size. A write that
/// would grow the file past it is refused as on a full disk (503 with
/// Retry-After, nothing stored), reads go on, and once the ceiling is lifted
/// the worker's retry of the same result is taken. The fault suite uses it
/// for its full-disk phase where it cannot mount a tmpfs.
@Suite("Database size ceiling", .serialized)
struct DatabaseCeilingTests {
    @Test("past the ceiling a result gets 503 and nothing is stored; without it the same result is taken")
    func fullThenLifted() async throws {
        let cluster = try await Cluster.start()
        let run = try await cluster.createRun(IterationEndToEndTests.configuration())
        let grant = try await cluster.post("/v1/leases", body: Data(#"{"workerName":"w","model":"double","capacity":1}"#.utf8))
        let lease = try #require(try WireJSON.decoder().decode(LeaseGrant.self, from: grant.body).leases.first)
        // Far more than the free pages of a fresh database: it needs new ones.
        let response = String(repeating: "long reasoning ", count: 40_000) + "\\\\boxed{1}"
        let samples = (0..<lease.sampleCount).map { k in
            #"{"sampleIndex":\#(lease.firstSampleIndex + k),"response":"\#(response)","reward":1,"gradNorm":1,"completionTokens":3,"finishReason":"stop"}"#
        }
        let body = HostileInputTests.result(lease, samples.joined(separator: ","))
        let before = try await HostileInputTests.snapshot(cluster, runId: run.runId)

        // A ceiling of 1 MiB, below the file's size: SQLite freezes the size there.
        try await cluster.crashAndRestartCoordinator(serveArguments: ["--max-database-mib", "1"])
        let refused = try await cluster.post("/v1/leases/\(lease.leaseId)/result", body: body)
        #expect(refused.status == 503, "\(String(decoding: refused.body, as: UTF8.self))")
        #expect(refused.headers["retry-after"] != nil)
        #expect(try await cluster.get("/healthz").status == 200)
        #expect(try await HostileInputTests.snapshot(cluster, runId: run.runId) == before)

        try await cluster.crashAndRestartCoordinator()
        let taken = try await cluster.post("/v1/leases/\(lease.leaseId)/result", body: body)
        #expect(taken.status == 200, "\(String(decoding: taken.body, as: UTF8.self))")
        #expect(try await cluster.traces(runId: run.runId, iteration: 0).count == lease.sampleCount)
        await cluster.stopAll()
    }

    @Test("a ceiling outside 1 to 1,048,576 MiB is refused on the command line", arguments: ["0", "-5", "1048577"])
    func badCeiling(value: String) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gvm-ceiling-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await BuiltProduct.coordinator.run(
            ["serve", "--db", directory.appendingPathComponent("db.sqlite").path, "--port", "0", "--max-database-mib", value])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--max-database-mib"), "\(result.stderr)")
    }
}
