import Foundation
import GRDB
import Shared
import Testing
import TestSupport
@testable import Coordinator

/// A database that gvm wrote at commit 7ee3d11 (schema v7), before runs could
/// name `knapsack` or `variance` or use history statistics: see
/// Tests/Fixtures/databases/README.md. Today's gvm must read each run with
/// the strategy and parameters it resolved then, and resume it that way.
@Suite("A schema-v7 database")
struct SchemaV7FixtureTests {
    static let tunedRun = 1
    static let defaultRun = 2
    static let uniformRun = 3

    @Test("every run reads back with the strategy and parameters it was stored with, and no history")
    func runsKeepWhatTheyResolved() async throws {
        let copy = try FixtureDatabaseCopy("schema-v7.gvmdb", schema: 7)
        let store = try SQLiteStore(path: copy.path, runConfigurations: RunConfigurationCache())
        let runs = try await store.runs()
        #expect(runs.map(\.configuration.strategy) == [.gvm, .gvm, .uniform])
        for run in runs {
            let stored = try #require(copy.storedConfigurations[run.runId])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(stored.utf8)) as? [String: Any])
            #expect(object["history"] == nil && object["knapsackFloor"] == nil)
            #expect(run.configuration.history == nil && run.configuration.knapsackFloor == nil)
            for field in StoredStrategyTests.strategyFields {
                let read = try #require(
                    try JSONSerialization.jsonObject(with: Data(try SQLiteStore.json(run.configuration).utf8)) as? [String: Any])
                #expect("\(read[field] ?? "absent")" == "\(object[field] ?? "absent")", "run \(run.runId) \(field)")
            }
        }
        let tuned = runs[0].configuration
        #expect(tuned.presamples == 4 && tuned.alpha == 0.01 && tuned.beta == 1.5 && tuned.gradNormStatistic == .rms)
        #expect(tuned.presampleAccounting == .countTowardBudget && tuned.maxSamplesPerPrompt == 10 && tuned.algorithm == .grpo)
        #expect(runs.map(\.configuration.strategyNeeds) == [
            StrategyNeeds(presamples: .everyPrompt(count: 4)), StrategyNeeds(presamples: .everyPrompt(count: 8)),
            StrategyNeeds(presamples: .none),
        ])
        // The tuned run's recorded iterations: every prompt pre-sampled N' = 4 times.
        for iteration in 0..<3 {
            let records = try await store.promptStatistics(runId: Self.tunedRun, iteration: iteration)
            #expect(records.allSatisfy { $0.presampleCount == 4 && $0.presample.samples == 4 && $0.history == nil })
            let summary = try #require(try await store.iteration(runId: Self.tunedRun, number: iteration))
            #expect(summary.presampleBudget == 24 && summary.generationBudget == 24)
        }
        #expect(try await store.allocationExport(runId: Self.tunedRun, iteration: 2).hasHistory == false)
    }

    @Test("the default gvm run resumes as the paper's gvm: N' for every prompt, allocated from this iteration's pre-samples")
    func defaultRunResumesAsBefore() async throws {
        let copy = try FixtureDatabaseCopy("schema-v7.gvmdb", schema: 7)
        let store = try SQLiteStore(path: copy.path, runConfigurations: RunConfigurationCache())
        let configuration = try await store.run(id: Self.defaultRun).configuration
        // Play iteration 0 to its end with the store-test worker.
        while try await store.run(id: Self.defaultRun).iteration == 0 {
            let leases = try await store.grantLeases(
                LeaseRequest(workerName: "w1", model: "sim-default", capacity: 64), now: Date())
            try #require(!leases.isEmpty)
            for lease in leases {
                _ = try await store.submit(leaseId: lease.leaseId, result: StoreFixtures.result(for: lease), now: Date())
            }
        }
        let records = try await store.promptStatistics(runId: Self.defaultRun, iteration: 0)
        #expect(records.count == 5 && records.allSatisfy { $0.presampleCount == 8 && $0.presample.samples == 8 && $0.history == nil })
        let expected = try GVMAllocation().allocate(AllocationRequest(
            statistics: records.map(\.presample), alpha: configuration.alpha, beta: configuration.beta, budget: 40))
        #expect(records.map(\.allocatedCount) == expected.counts.map { Optional($0) })
        // Iteration 1 opens with N' pre-samples for every prompt, as the paper's gvm does.
        let next = try await store.promptStatistics(runId: Self.defaultRun, iteration: 1)
        #expect(next.count == 5 && next.allSatisfy { $0.presampleCount == 8 })
        #expect(try await store.iteration(runId: Self.defaultRun, number: 1)?.stage == .presample)
    }
}
