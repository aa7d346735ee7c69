import Foundation
import Shared
import Testing
@testable import Coordinator

/// The cap `maxSamplesPerPrompt` in real iterations: what it leaves
/// unallocated is recorded per iteration and shown in the summaries, the
/// status and the allocation export, and no prompt is sampled past it.
@Suite("Allocation cap in the store")
struct AllocationCapFlowTests {
    @Test("a gvm run with a cap records unallocated per iteration and samples no prompt past the cap")
    func gvmCap() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        var configuration = StoreFixtures.configuration(iterations: 2)
        configuration.maxSamplesPerPrompt = 3
        let run = try await harness.store.createRun(configuration, now: Date())
        try await harness.drain()
        #expect(try await harness.store.run(id: run.runId).state == .completed)

        let iterations = try await harness.store.iterations(runId: run.runId)
        #expect(iterations.count == 2)
        for summary in iterations {
            let records = try await harness.store.promptStatistics(runId: run.runId, iteration: summary.iteration)
            // The allocation rule, given the same statistics, decides n_i and U.
            let expected = try GVMAllocation().allocate(AllocationRequest(
                statistics: records.map(\.presample), alpha: 1e-3, beta: 2, budget: 160, maxSamplesPerPrompt: 3))
            #expect(records.map(\.allocatedCount) == expected.counts)
            // Prompts that accept something can hold at most 3 each, far under 160.
            let allocatable = records.count { $0.presample.accepted > 0 }
            #expect(allocatable > 0 && expected.unallocated == 160 - 3 * allocatable)
            #expect(summary.budget == 160 && summary.unallocated == expected.unallocated)
            #expect(summary.generationBudget == 160 + 3 * allocatable)
            #expect(records.allSatisfy { $0.sample.samples == $0.allocatedCount && $0.sample.samples <= 3 })
            #expect(summary.samplesGenerated == 160 + 3 * allocatable)
        }
        let status = try #require(try await harness.store.status(now: Date()).runs.first)
        #expect(status.budget == 160 && status.unallocated == iterations[1].unallocated)
        #expect(status.generationBudget == iterations[1].generationBudget)

        let export = try await harness.store.allocationExport(runId: run.runId, iteration: 0)
        #expect(export.unallocated == iterations[0].unallocated && export.budget == 160)
        #expect(export.allocated.reduce(0) { $0 + $1.count } == 160 - export.unallocated)
    }

    @Test("a uniform run whose cap is below samplesPerPrompt leaves the rest of every budget unallocated")
    func uniformCap() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        var configuration = StoreFixtures.configuration(strategy: .uniform, prompts: 5, iterations: 2)
        configuration.maxSamplesPerPrompt = 6
        let run = try await harness.store.createRun(configuration, now: Date())
        try await harness.drain()
        for summary in try await harness.store.iterations(runId: run.runId) {
            #expect(summary.budget == 40 && summary.unallocated == 10 && summary.generationBudget == 30)
            #expect(summary.samplesGenerated == 30)
            let records = try await harness.store.promptStatistics(runId: run.runId, iteration: summary.iteration)
            #expect(records.allSatisfy { $0.allocatedCount == 6 && $0.sample.samples == 6 })
        }
    }

    @Test("without a cap nothing is unallocated")
    func noCap() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(StoreFixtures.configuration(), now: Date())
        try await harness.drain()
        let summary = try #require(try await harness.store.iterations(runId: run.runId).first)
        #expect(summary.unallocated == 0 && summary.generationBudget == 320 && summary.samplesGenerated == 320)
    }
}
