import Foundation
import Shared
import Testing
@testable import Coordinator

@Suite("Iteration flow in the store")
struct IterationFlowTests {
    @Test("a gvm iteration presamples, allocates the exact budget, samples and finishes")
    func gvmIteration() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(StoreFixtures.configuration(), now: Date())
        #expect(run.stage == .presample && run.state == .active)

        // Presampling: 20 prompts x 8 presamples in leases of at most 4.
        var presampleLeases: [Lease] = []
        while true {
            let leases = try await harness.store.grantLeases(
                LeaseRequest(workerName: "w1", model: "test-model", capacity: 64), now: Date())
            if leases.isEmpty { break }
            let presamples = leases.filter { $0.stage == .presample }
            presampleLeases += presamples
            for lease in leases {
                #expect(lease.sampleCount <= 4)
                _ = try await harness.store.submit(leaseId: lease.leaseId, result: StoreFixtures.result(for: lease), now: Date())
            }
            if presamples.count < leases.count { break }
        }
        #expect(presampleLeases.reduce(0) { $0 + $1.sampleCount } == 160)

        let afterPresample = try await harness.store.promptStatistics(runId: run.runId, iteration: 0)
        #expect(afterPresample.count == 20)
        for record in afterPresample {
            #expect(record.presample.samples == 8)
            let expectedAccepted = (0..<8).filter { StoreFixtures.accepts(promptId: record.promptId, sampleIndex: $0) }.count
            #expect(record.presample.accepted == expectedAccepted)
            #expect(record.presample.meanGradNorm == (expectedAccepted > 0 ? 1 + Double(record.promptId % 3) : 0))
        }
        let counts = afterPresample.compactMap(\.allocatedCount)
        #expect(counts.count == 20 && counts.reduce(0, +) == 160)
        // The store's n_i are exactly what the allocation rule gives.
        let expected = try GVMAllocation().allocate(AllocationRequest(
            statistics: afterPresample.map(\.presample), alpha: 1e-3, beta: 2, budget: 160))
        #expect(counts == expected.counts)
        for record in afterPresample where record.presample.accepted == 0 {
            #expect(record.allocatedCount == 0)
        }

        try await harness.drain()
        let done = try await harness.store.run(id: run.runId)
        #expect(done.state == .completed && done.stage == .done)
        let final = try await harness.store.promptStatistics(runId: run.runId, iteration: 0)
        for record in final {
            #expect(record.sample.samples == record.allocatedCount)
        }
        let traces = try await harness.store.traces(runId: run.runId, iteration: 0, stage: .sample, after: nil, limit: 10_000)
        #expect(traces.count == final.reduce(0) { $0 + $1.sample.accepted })
        let status = try await harness.store.status(now: Date())
        #expect(status.runs[0].stage == .done && status.runs[0].progress.samplesDone == 160)
    }

    @Test("uniform skips presampling; auto advance runs every iteration on reproducible batches")
    func uniformIterations() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(StoreFixtures.configuration(strategy: .uniform, prompts: 7, iterations: 3), now: Date())
        #expect(run.stage == .sample)
        try await harness.drain()
        #expect(try await harness.store.run(id: run.runId).state == .completed)
        var seen: [[Int]] = []
        for iteration in 0..<3 {
            let records = try await harness.store.promptStatistics(runId: run.runId, iteration: iteration)
            #expect(records.allSatisfy { $0.allocatedCount == 8 && $0.presample.samples == 0 })
            seen.append(records.map(\.promptId))
        }
        // 21 draws from 20 prompts: the third batch wraps around.
        #expect(Set(seen[0]).isDisjoint(with: seen[1]))
        #expect(seen == (0..<3).map {
            RunDeterminism.batch(iteration: $0, perIteration: 7, order: RunDeterminism.promptOrder(count: 20, runSeed: 11))
        })
    }

    @Test("an iteration where nothing is allocatable falls back to uniform and says so")
    func fallback() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(StoreFixtures.configuration(prompts: 3), now: Date())
        while true {
            let leases = try await harness.store.grantLeases(LeaseRequest(workerName: "w", model: "test-model", capacity: 64), now: Date())
            guard let first = leases.first, first.stage == .presample else { break }
            for lease in leases {
                _ = try await harness.store.submit(leaseId: lease.leaseId, result: LeaseResult(generated: lease.sampleCount, samples: []), now: Date())
            }
        }
        let records = try await harness.store.promptStatistics(runId: run.runId, iteration: 0)
        #expect(records.map(\.allocatedCount) == [8, 8, 8])
        let status = try await harness.store.status(now: Date())
        #expect(status.runs[0].fellBackToUniform)
    }

    @Test("grpo results must carry every sample")
    func grpoNeedsAll() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        _ = try await harness.store.createRun(StoreFixtures.configuration(algorithm: .grpo, prompts: 2), now: Date())
        let lease = try #require(try await harness.store.grantLeases(LeaseRequest(workerName: "w", model: "test-model", capacity: 1), now: Date()).first)
        let partial = LeaseResult(generated: lease.sampleCount, samples: [])
        await #expect(throws: RequestRefusal.invalid(field: "samples", "grpo needs every sample with its reward: expected 4, got 0")) {
            try await harness.store.submit(leaseId: lease.leaseId, result: partial, now: Date())
        }
        _ = try await harness.store.submit(leaseId: lease.leaseId, result: StoreFixtures.result(for: lease), now: Date())
    }

    /// One bad change per case: (the field the error must name, a label for it).
    static let invalidChanges = [
        "promptsPerIteration>dataset", "promptsPerIteration=0", "dataset", "beta", "alpha",
        "maxSamplesPerLease", "prompt.completion", "generation.topP",
    ]

    static func apply(_ change: String, to c: inout RunConfiguration) -> String {
        switch change {
        case "promptsPerIteration>dataset": c.promptsPerIteration = 21; return "promptsPerIteration"
        case "promptsPerIteration=0": c.promptsPerIteration = 0; return "promptsPerIteration"
        case "dataset": c.dataset = "nope"; return "dataset"
        case "beta": c.beta = 0.5; return "beta"
        case "alpha": c.alpha = -1; return "alpha"
        case "maxSamplesPerLease": c.maxSamplesPerLease = 0; return "maxSamplesPerLease"
        case "prompt.completion": c.prompt = PromptTemplate(completion: "no placeholder"); return "prompt.completion"
        default: c.generation.topP = 0; return "generation.topP"
        }
    }

    @Test("invalid run configurations name the field", arguments: invalidChanges)
    func invalidRun(change: String) async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        var configuration = StoreFixtures.configuration()
        let field = Self.apply(change, to: &configuration)
        do {
            _ = try await harness.store.createRun(configuration, now: Date())
            Issue.record("should be refused")
        } catch let error as RequestRefusal {
            #expect(error.field == field)
        }
        #expect(try await harness.store.status(now: Date()).runs.isEmpty)
    }
}
