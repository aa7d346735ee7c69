import Foundation
import GRDB
import Shared
import Testing
import TestSupport
@testable import Coordinator

/// A database that gvm wrote at commit e07987d (schema v8), with history runs
/// part-way: see Tests/Fixtures/databases/README.md. Today's gvm must read
/// their resolved strategies and resume them to the end.
@Suite("A schema-v8 database")
struct SchemaV8FixtureTests {
    static let knapsackRun = 4
    static let historyRun = 5

    /// Leases and completes the model's work until none is left.
    static func drain(_ store: some CoordinatorStorage, model: String) async throws {
        while true {
            let leases = try await store.grantLeases(LeaseRequest(workerName: "w1", model: model, capacity: 64), now: Date())
            if leases.isEmpty { return }
            for lease in leases {
                _ = try await store.submit(leaseId: lease.leaseId, result: StoreFixtures.result(for: lease), now: Date())
            }
        }
    }

    @Test("the knapsack and history runs keep what they resolved and resume to the end")
    func historyRunsResume() async throws {
        let store = try SQLiteStore(path: try FixtureDatabaseCopy("schema-v8.gvmdb", schema: 8).path, runConfigurations: RunConfigurationCache())
        let knapsack = try await store.run(id: Self.knapsackRun).configuration
        var decay = HistoryParameters.defaults
        decay.decay = 0.8
        #expect(knapsack.strategy == .knapsack && knapsack.history == decay && knapsack.knapsackFloor == 2)
        let history = try await store.run(id: Self.historyRun).configuration
        #expect(history.strategy == .gvm && history.history == .defaults && history.knapsackFloor == nil)

        // The records written before the restart read back with their estimates.
        let before = try await store.promptStatistics(runId: Self.knapsackRun, iteration: 0)
        #expect(before.count == 5 && before.allSatisfy { $0.presampleCount == 4 && $0.history != nil })

        try await Self.drain(store, model: "sim-knapsack")
        try await Self.drain(store, model: "sim-history")
        for (runId, iterations) in [(Self.knapsackRun, 3), (Self.historyRun, 2)] {
            #expect(try await store.run(id: runId).state == .completed)
            for iteration in 0..<iterations {
                let summary = try #require(try await store.iteration(runId: runId, number: iteration))
                let records = try await store.promptStatistics(runId: runId, iteration: iteration)
                #expect(records.allSatisfy { $0.history != nil })
                #expect(records.compactMap(\.allocatedCount).reduce(0, +) == summary.budget - summary.unallocated)
                #expect(summary.presampleBudget == records.reduce(0) { $0 + $1.presampleCount })
                #expect(records.allSatisfy { $0.sample.samples == $0.allocatedCount })
            }
        }
        #expect(try await store.promptStatistics(runId: Self.knapsackRun, iteration: 0).map(\.history) == before.map(\.history))
    }
}
