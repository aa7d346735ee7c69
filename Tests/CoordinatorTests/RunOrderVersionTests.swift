import Foundation
import GRDB
import Shared
import Testing
@testable import Coordinator

/// Each run keeps the order version it was stored with: new runs use gvm's
/// own shuffle, a version-0 run keeps the standard library's, and a version
/// this gvm does not know is refused.
@Suite("Run order versions")
struct RunOrderVersionTests {
    static func batches(_ harness: StoreHarness, runId: Int, iterations: Int) async throws -> [[Int]] {
        var batches: [[Int]] = []
        for iteration in 0..<iterations {
            batches.append(try await harness.store.promptStatistics(runId: runId, iteration: iteration).map(\.promptId))
        }
        return batches
    }

    static func expected(_ version: OrderVersion, iterations: Int) -> [[Int]] {
        let order = RunDeterminism.promptOrder(count: 20, runSeed: 11, orderVersion: version)
        return (0..<iterations).map { RunDeterminism.batch(iteration: $0, perIteration: 7, order: order) }
    }

    @Test("a new run is stored as version 1, says so in its summary, and takes its batches from gvm's own shuffle")
    func newRuns() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(StoreFixtures.configuration(strategy: .uniform, prompts: 7, iterations: 2), now: Date())
        #expect(run.orderVersion == .fisherYates)
        let stored = try await harness.store.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT orderVersion FROM run WHERE id = ?", arguments: [run.runId])
        }
        #expect(stored == 1)
        let json = try JSONSerialization.jsonObject(with: try WireJSON.encoder().encode(run)) as? [String: Any]
        #expect(json?["orderVersion"] as? Int == 1)
        try await harness.drain()
        let batches = try await Self.batches(harness, runId: run.runId, iterations: 2)
        #expect(batches == Self.expected(.fisherYates, iterations: 2))
        #expect(batches != Self.expected(.standardLibrary, iterations: 2))
    }

    @Test("a run stored as version 0 starts its next iterations in the standard library's order")
    func versionZeroRuns() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(StoreFixtures.configuration(strategy: .uniform, prompts: 7, iterations: 3), now: Date())
        // As the v4 migration leaves a run made before it.
        try await harness.store.pool.write { db in
            try db.execute(sql: "UPDATE run SET orderVersion = 0 WHERE id = ?", arguments: [run.runId])
        }
        #expect(try await harness.store.run(id: run.runId).orderVersion == .standardLibrary)
        #expect(try await harness.store.orderVersion(runId: run.runId) == .standardLibrary)
        try await harness.drain()
        let batches = try await Self.batches(harness, runId: run.runId, iterations: 3)
        // Iteration 0 was made at creation, as version 1; the rest follow the stored version.
        #expect(batches[0] == Self.expected(.fisherYates, iterations: 1)[0])
        #expect(Array(batches[1...]) == Array(Self.expected(.standardLibrary, iterations: 3)[1...]))
    }

    @Test("an order version this gvm does not know is refused, naming the run and the value")
    func unknownVersion() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(StoreFixtures.configuration(strategy: .uniform, prompts: 7), now: Date())
        try await harness.store.pool.write { db in
            try db.execute(sql: "UPDATE run SET orderVersion = 7 WHERE id = ?", arguments: [run.runId])
        }
        let refusal = UnknownOrderVersion(runId: run.runId, value: 7)
        #expect(refusal.description.contains("run \(run.runId) has orderVersion 7"))
        await #expect(throws: refusal) { try await harness.store.run(id: run.runId) }
        await #expect(throws: refusal) { try await harness.store.runs() }
        await #expect(throws: refusal) {
            try await harness.store.grantLeases(LeaseRequest(workerName: "w1", model: "test-model", capacity: 4), now: Date())
        }
    }
}
