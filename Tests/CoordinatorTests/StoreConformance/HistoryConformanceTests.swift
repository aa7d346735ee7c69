import Foundation
import Shared
import TestSupport
import Testing
@testable import Coordinator

/// Runs with history statistics: which prompts are pre-sampled, what the
/// allocation reads, and the posterior, G and pre-sampling that history,
/// export and status show.
@Suite("Store conformance: history statistics")
struct HistoryConformanceTests {
    /// Every fixture prompt's `level`, by dataset position.
    static func levels() throws -> [Int?] {
        let text = String(decoding: try Fixtures.data("math500-20.jsonl"), as: UTF8.self)
        return try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return object?["level"] as? Int
        }
    }

    /// The estimates the rule gives at `iteration` from the raw counts the
    /// store reports, computed outside the store.
    static func expectedEstimates(
        _ store: any CoordinatorStorage, runId: Int, iteration: Int, batch: [Int], configuration: RunConfiguration
    ) async throws -> [PromptEstimate] {
        var records: [PromptIterationCounts] = []
        for t in 0...iteration {
            for record in try await store.promptStatistics(runId: runId, iteration: t) {
                records.append(PromptIterationCounts(iteration: t, promptId: record.promptId, statistics: record.presample))
                if t < iteration {
                    records.append(PromptIterationCounts(iteration: t, promptId: record.promptId, statistics: record.sample))
                }
            }
        }
        let levels = try Self.levels()
        return HistoryStatistics.estimates(
            prompts: batch, records: records, currentIteration: iteration, level: { levels[$0] },
            parameters: try #require(configuration.history), presamples: configuration.presamples)
    }

    static func knapsackRun() -> RunConfiguration {
        var configuration = StoreFixtures.configuration(strategy: .knapsack, algorithm: .grpo, iterations: 2)
        configuration.maxSamplesPerPrompt = 12
        return configuration
    }

    @Test("a knapsack GRPO run pre-samples what its history is unsure of and allocates from the posterior; solved prompts get 0, hopeless the floor",
          arguments: StoreEngine.all)
    func knapsackFlow(engine: StoreEngine) async throws {
        let configuration = Self.knapsackRun()
        let (harness, run) = try await StoreConformanceHarness.withRun(engine, configuration)
        try await harness.drain()
        let store = harness.store
        #expect(try await store.run(id: run.runId).state == .completed)

        // Iteration 0: no history, so the prior Beta(1, 1) (sd 0.29) pre-samples every prompt.
        let first = try await store.promptStatistics(runId: run.runId, iteration: 0)
        #expect(first.allSatisfy { $0.presampleCount == 8 && $0.presample.samples == 8 })
        let firstExpected = try await Self.expectedEstimates(
            store, runId: run.runId, iteration: 0, batch: first.map(\.promptId), configuration: configuration)
        for (record, estimate) in zip(first, firstExpected) {
            let history = try #require(record.history)
            #expect(history.posteriorA == estimate.posteriorA && history.posteriorB == estimate.posteriorB)
            #expect(history.gradNormEstimate == estimate.gradNorm)
        }
        let firstAllocation = try KnapsackAllocation().allocate(AllocationRequest(
            gradNorms: firstExpected.map(\.gradNorm), acceptRates: firstExpected.map(\.mean), budget: 160,
            maxSamplesPerPrompt: 12, solved: firstExpected.map(\.solved), hopeless: firstExpected.map(\.hopeless)))
        #expect(first.map(\.allocatedCount) == firstAllocation.counts.map { Optional($0) })

        // Iteration 1: 8 pre-samples and at least 2 samples each, decayed once,
        // leave every sd under 0.15: no pre-samples, and the stage is skipped.
        let second = try await store.promptStatistics(runId: run.runId, iteration: 1)
        #expect(second.allSatisfy { $0.presampleCount == 0 && $0.presample.samples == 0 })
        let summary = try #require(try await store.iteration(runId: run.runId, number: 1))
        #expect(summary.presampleBudget == 0)
        #expect(summary.generationBudget == summary.budget - summary.unallocated)
        let secondExpected = try await Self.expectedEstimates(
            store, runId: run.runId, iteration: 1, batch: second.map(\.promptId), configuration: configuration)
        #expect(secondExpected.allSatisfy { !$0.uncertain })
        for (record, estimate) in zip(second, secondExpected) {
            let history = try #require(record.history)
            #expect(history.posteriorA == estimate.posteriorA && history.posteriorB == estimate.posteriorB)
            // The fixture accepts every sample of prompts 4, 9, ... and none of 0, 5, ...
            switch record.promptId % 5 {
            case 4:
                #expect(history.flag == .solved && record.allocatedCount == 0)
            case 0:
                #expect(history.flag == .hopeless && record.allocatedCount == 2)
            default:
                #expect(history.flag == nil && (record.allocatedCount ?? 0) >= 2)
            }
        }
        let counts = second.compactMap(\.allocatedCount)
        #expect(counts.reduce(0, +) == summary.budget - summary.unallocated)
        #expect(counts.allSatisfy { $0 <= 12 })

        // The export and the prompt's history say the same.
        let export = try await store.allocationExport(runId: run.runId, iteration: 1)
        #expect(export.hasHistory)
        for entry in export.allocated {
            let record = try #require(second.first { $0.promptId == entry.promptId })
            #expect(entry.presampleCount == 0 && entry.history == record.history && entry.count == record.allocatedCount)
        }
        let promptHistory = try await store.promptHistory(runId: run.runId, promptId: second[0].promptId)
        #expect(promptHistory.map(\.presampleCount) == [8, 0])
        #expect(promptHistory.map(\.history) == [first[0].history, second[0].history])

        // The status shows the current (last) iteration's prompts.
        let status = try await store.status(now: Date())
        let history = try #require(status.runs.first { $0.runId == run.runId }?.history)
        #expect(history.prompts.map(\.promptId) == second.map(\.promptId))
        #expect(history.prompts.map(\.estimate) == second.map(\.history))
        #expect(history.presampledPrompts == 0)
        #expect(history.solvedPrompts == second.filter { $0.promptId % 5 == 4 }.count)
        #expect(history.hopelessPrompts == second.filter { $0.promptId % 5 == 0 }.count)
    }

    @Test("gvm with history allocates from the posterior mean and the history's G, and the paper's gvm shows no history",
          arguments: StoreEngine.all)
    func gvmWithHistory(engine: StoreEngine) async throws {
        var configuration = StoreFixtures.configuration()
        configuration.history = HistoryParameters.defaults
        let (harness, run) = try await StoreConformanceHarness.withRun(engine, configuration)
        let paper = try await harness.store.createRun(StoreFixtures.configuration(), now: Date())
        try await harness.drain()
        let records = try await harness.store.promptStatistics(runId: run.runId, iteration: 0)
        let expected = try await Self.expectedEstimates(
            harness.store, runId: run.runId, iteration: 0, batch: records.map(\.promptId), configuration: configuration)
        let allocation = try GVMAllocation().allocate(AllocationRequest(
            gradNorms: expected.map(\.gradNorm), acceptRates: expected.map(\.mean), budget: 160))
        #expect(records.map(\.allocatedCount) == allocation.counts.map { Optional($0) })
        // RAFT: the window flags do not apply.
        #expect(records.allSatisfy { $0.history != nil && $0.history?.flag == nil })

        let paperRecords = try await harness.store.promptStatistics(runId: paper.runId, iteration: 0)
        #expect(paperRecords.allSatisfy { $0.history == nil && $0.presampleCount == 8 })
        #expect(try await harness.store.allocationExport(runId: paper.runId, iteration: 0).hasHistory == false)
        let status = try await harness.store.status(now: Date())
        #expect(status.runs.first { $0.runId == paper.runId }?.history == nil)
        #expect(status.runs.first { $0.runId == run.runId }?.history?.prompts.count == 20)
    }

    @Test("a history run's estimates and pre-sample counts read back the same after a restart", arguments: StoreEngine.all)
    func survivesRestart(engine: StoreEngine) async throws {
        var (harness, run) = try await StoreConformanceHarness.withRun(engine, Self.knapsackRun())
        try await harness.drain()
        let before = try await harness.store.promptStatistics(runId: run.runId, iteration: 1)
        let exportBefore = try await harness.store.allocationExport(runId: run.runId, iteration: 1)
        try harness.reopen()
        #expect(try await harness.store.promptStatistics(runId: run.runId, iteration: 1) == before)
        let exportAfter = try await harness.store.allocationExport(runId: run.runId, iteration: 1)
        #expect(exportAfter.allocated.map(\.history) == exportBefore.allocated.map(\.history))
        #expect(try await harness.store.run(id: run.runId).configuration == Self.knapsackRun())
    }
}
