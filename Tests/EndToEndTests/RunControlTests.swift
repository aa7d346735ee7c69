import Foundation
import Shared
import Testing
import TestSupport

/// Pause, resume, cancel, advance and wait against a real coordinator, through
/// the CLI commands an operator types.
@Suite("Run control", .serialized)
struct RunControlTests {
    static func configuration(advance: AdvanceMode = .manual) -> RunConfiguration {
        RunConfiguration(
            dataset: "math500", model: "double", strategy: .gvm, algorithm: .raft,
            presamples: 4, samplesPerPrompt: 4, promptsPerIteration: 3, iterations: 2,
            maxSamplesPerLease: 4, advance: advance, seed: 5)
    }

    func cli(_ cluster: Cluster, _ arguments: [String]) async throws -> BuiltProduct.Result {
        try await BuiltProduct.coordinator.run(arguments + ["--url", cluster.url])
    }

    func state(_ cluster: Cluster, run: Int) async throws -> String {
        struct View: Decodable { var state: String }
        return try await cluster.getJSON("/v1/runs/\(run)", as: View.self).state
    }

    @Test("pause stops new leases but lets leases out finish; resume goes on")
    func pauseResume() async throws {
        let cluster = try await Cluster.start()
        let run = try await cluster.createRun(Self.configuration())
        let worker = SimulatedWorker(cluster: cluster)
        let held = try #require(try await worker.lease().first)

        let paused = try await cli(cluster, ["pause", "--run", "\(run.runId)"])
        #expect(paused.status == 0, "\(paused.stderr)")
        #expect(try await state(cluster, run: run.runId) == "paused")
        #expect(try await worker.lease(capacity: 64).isEmpty)
        #expect(try await worker.submit(held) == 200)

        let again = try await cli(cluster, ["pause", "--run", "\(run.runId)"])
        #expect(again.status == 1 && again.stderr.contains("409") && again.stderr.contains("paused"))

        let resumed = try await cli(cluster, ["resume", "--run", "\(run.runId)"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(!(try await worker.lease()).isEmpty)
        let twice = try await cli(cluster, ["resume", "--run", "\(run.runId)"])
        #expect(twice.status == 1 && twice.stderr.contains("only a paused run"))
        let missing = try await cli(cluster, ["pause", "--run", "99"])
        #expect(missing.status == 1 && missing.stderr.contains("404"))
        await cluster.stopAll()
    }

    @Test("advance is refused until the iteration is done; wait reports done or the timeout")
    func advanceAndWait() async throws {
        let cluster = try await Cluster.start()
        let run = try await cluster.createRun(Self.configuration())
        let worker = SimulatedWorker(cluster: cluster)

        let early = try await cli(cluster, ["advance", "--run", "\(run.runId)", "--model-version", "v1"])
        #expect(early.status == 1 && early.stderr.contains("409") && early.stderr.contains("once it is done"), "\(early.stderr)")
        let timedOut = try await cli(cluster, ["wait", "--run", "\(run.runId)", "--iteration", "0", "--timeout", "1"])
        #expect(timedOut.status == 2, "\(timedOut.stderr)")

        try await worker.drain()
        let waited = try await cli(cluster, ["wait", "--run", "\(run.runId)", "--iteration", "0", "--timeout", "30"])
        #expect(waited.status == 0, "\(waited.stderr)")
        #expect(waited.stdoutText.contains("\"done\" : true"))
        #expect(try await state(cluster, run: run.runId) == "waiting")
        #expect(try await worker.lease().isEmpty)

        let advanced = try await cli(cluster, ["advance", "--run", "\(run.runId)", "--model-version", "v1"])
        #expect(advanced.status == 0, "\(advanced.stderr)")
        let lease = try #require(try await worker.lease().first)
        #expect(lease.iteration == 1 && lease.modelVersion == "v1")
        _ = try await worker.submit(lease)
        try await worker.drain()
        #expect(try await state(cluster, run: run.runId) == "completed")
        let late = try await cli(cluster, ["advance", "--run", "\(run.runId)", "--model-version", "v2"])
        #expect(late.status == 1 && late.stderr.contains("completed"))
        await cluster.stopAll()
    }

    @Test("cancel releases the queue and refuses late results")
    func cancel() async throws {
        let cluster = try await Cluster.start()
        let run = try await cluster.createRun(Self.configuration(advance: .auto))
        let worker = SimulatedWorker(cluster: cluster)
        let held = try #require(try await worker.lease().first)

        let cancelled = try await cli(cluster, ["cancel", "--run", "\(run.runId)"])
        #expect(cancelled.status == 0, "\(cancelled.stderr)")
        #expect(try await worker.submit(held) == 409)
        let heartbeat = try await cluster.post("/v1/leases/\(held.leaseId)/heartbeat", body: Data())
        #expect(heartbeat.status == 409)
        #expect(try await worker.lease(capacity: 64).isEmpty)
        let waited = try await cli(cluster, ["wait", "--run", "\(run.runId)", "--iteration", "0", "--timeout", "5"])
        #expect(waited.status == 3, "\(waited.stderr)")
        let twice = try await cli(cluster, ["cancel", "--run", "\(run.runId)"])
        #expect(twice.status == 1 && twice.stderr.contains("already cancelled"))
        let prompts = try await cluster.prompts(runId: run.runId, iteration: 0)
        #expect(prompts.allSatisfy { $0.presample.samples == 0 })
        let metrics = String(decoding: try await cluster.get("/metrics").body, as: UTF8.self)
        #expect(metrics.contains(#"gvm_runs{state="cancelled"} 1"#), "\(metrics)")
        await cluster.stopAll()
    }
}
