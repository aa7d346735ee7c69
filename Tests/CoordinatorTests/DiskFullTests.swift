import Foundation
import GRDB
import Shared
import Testing
@testable import Coordinator

/// A full disk, as SQLite reports it (`PRAGMA max_page_count` gives the same
/// SQLITE_FULL as a full file system): the write is refused whole, the
/// client is told to come back (503), and once there is room the same
/// request is taken.
@Suite("Disk full")
struct DiskFullTests {
    @Test("a result that does not fit is refused whole with 503, and taken once space is freed")
    func fullThenFreed() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(StoreFixtures.configuration(strategy: .uniform, prompts: 2), now: Date())
        let lease = try #require(try await harness.store.grantLeases(
            LeaseRequest(workerName: "w1", model: "test-model", capacity: 4), now: Date()).first)
        var result = StoreFixtures.result(for: lease)
        result.samples = [SampleResult(
            sampleIndex: lease.firstSampleIndex, response: String(repeating: "long reasoning ", count: 40_000) + "\\boxed{1}",
            reward: 1, gradNorm: 1, completionTokens: 10, finishReason: .stop)]

        // No page may be added: the database is "full" at its current size.
        try await harness.store.pool.write { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(pages)")
        }
        do {
            _ = try await harness.store.submit(leaseId: lease.leaseId, result: result, now: Date())
            Issue.record("the write should not fit")
        } catch {
            let answer = ErrorAnswer(error)
            #expect(answer.status == .serviceUnavailable && answer.retryAfterSeconds == ErrorAnswer.diskFullRetrySeconds, "\(String(reflecting: error))")
        }
        #expect(try await harness.store.traces(runId: run.runId, iteration: 0, stage: nil, after: nil, limit: 10).isEmpty)
        #expect(try await harness.store.promptStatistics(runId: run.runId, iteration: 0).allSatisfy { $0.sample.samples == 0 })

        // Space is freed; the worker's retry of the same result is taken, once.
        try await harness.store.pool.write { db in _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = 1073741823") }
        let receipt = try await harness.store.submit(leaseId: lease.leaseId, result: result, now: Date())
        #expect(!receipt.duplicate && receipt.recordedSamples == 1)
        #expect(try await harness.store.traces(runId: run.runId, iteration: 0, stage: nil, after: nil, limit: 10).count == 1)
    }
}
