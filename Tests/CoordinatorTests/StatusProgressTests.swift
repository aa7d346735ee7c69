import Foundation
import Shared
import Testing
@testable import Coordinator

/// The status's progress counts the stage's plan, not the work units queued
/// so far (which it reads from SQLite's work-unit table). Exports of an
/// iteration that does not exist are in "Store conformance: exports".
@Suite("Status progress")
struct StatusProgressTests {
    @Test("samplesTotal is the stage's whole plan while its units are still being queued")
    func totalFromThePlan() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        var configuration = StoreFixtures.configuration(maxSamplesPerLease: 1)
        configuration.presamples = 200
        let run = try await harness.store.createRun(configuration, now: Date())
        // Only the first batch of the 4,000 pre-sample units is queued (no WorkQueuer runs here).
        let queued = try await harness.store.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM workUnit WHERE runId = ?", arguments: [run.runId]) ?? 0
        }
        #expect(queued == WorkQueueing.unitsPerBatch)
        let progress = try #require(try await harness.store.status(now: Date()).runs.first).progress
        #expect(progress.stage == .presample && progress.samplesTotal == 4_000 && progress.samplesDone == 0)
    }
}
