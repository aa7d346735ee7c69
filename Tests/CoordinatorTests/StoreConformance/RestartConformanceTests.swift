import Foundation
import Shared
import Testing
@testable import Coordinator

/// A coordinator restarted on the same durable state goes on where it
/// stopped: leases, their expiry and receipts are state, not memory.
@Suite("Store conformance: restarts")
struct RestartConformanceTests {
    @Test("a reopened store resumes with its leases and their expiry", arguments: StoreEngine.all)
    func restart(engine: StoreEngine) async throws {
        var (harness, run) = try await StoreConformanceHarness.withRun(engine, StoreFixtures.configuration(prompts: 4))
        let held = try await harness.firstLease()
        try harness.reopen()
        _ = try await harness.store.submit(leaseId: held.leaseId, result: StoreFixtures.result(for: held), now: Date())
        try await harness.drain()
        #expect(try await harness.store.run(id: run.runId).state == .completed)
    }

    @Test("after a restart a lease is held until its expiry, a heartbeat's extension included, and no longer",
          arguments: StoreEngine.all)
    func expirySurvives(engine: StoreEngine) async throws {
        // One prompt, 8 pre-samples in leases of 4: two units.
        var (harness, _) = try await StoreConformanceHarness.withRun(
            engine, StoreFixtures.configuration(prompts: 1, leaseSeconds: 10))
        let start = Date()
        let extended = try await harness.firstLease(worker: "a", now: start)
        let plain = try await harness.firstLease(worker: "b", now: start)
        let reply = try await harness.store.heartbeat(leaseId: extended.leaseId, now: start.addingTimeInterval(8))
        try harness.reopen()

        // Before either expiry nothing is issued again.
        #expect(try await harness.grant(worker: "c", now: start.addingTimeInterval(9)).isEmpty)
        // Past the first expiry only the lease without a heartbeat is issued again.
        let again = try await harness.grant(worker: "c", now: start.addingTimeInterval(15))
        #expect(again.map(\.firstSampleIndex) == [plain.firstSampleIndex])
        #expect(try await harness.store.heartbeat(leaseId: extended.leaseId, now: start.addingTimeInterval(15)).expiresAt
            > reply.expiresAt)
        // Its late result is refused, as before the restart.
        await #expect(throws: RequestRefusal.self) {
            try await harness.store.submit(leaseId: plain.leaseId, result: StoreFixtures.result(for: plain), now: start.addingTimeInterval(16))
        }
    }

    @Test("a result repeated after a restart gets the same receipt", arguments: StoreEngine.all)
    func repeatAfterRestart(engine: StoreEngine) async throws {
        var (harness, run) = try await StoreConformanceHarness.withRun(engine, StoreFixtures.configuration(prompts: 2))
        let lease = try await harness.firstLease()
        let result = StoreFixtures.result(for: lease)
        let first = try await harness.store.submit(leaseId: lease.leaseId, result: result, now: Date())
        try harness.reopen()
        let again = try await harness.store.submit(leaseId: lease.leaseId, result: result, now: Date())
        #expect(again.duplicate && again.recordedSamples == first.recordedSamples && again.acceptedSamples == first.acceptedSamples)
        let records = try await harness.store.promptStatistics(runId: run.runId, iteration: 0)
        #expect(records.reduce(0) { $0 + $1.presample.samples } == lease.sampleCount)
    }
}
