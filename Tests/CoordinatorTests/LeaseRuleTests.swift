import Foundation
import Shared
import Testing
@testable import Coordinator

@Suite("Lease rules")
struct LeaseRuleTests {
    func firstLease(_ harness: StoreHarness, worker: String = "w1", now: Date) async throws -> Lease {
        try #require(try await harness.store.grantLeases(
            LeaseRequest(workerName: worker, model: "test-model", capacity: 1), now: now).first)
    }

    @Test("a repeated result gets the same receipt and is not counted twice")
    func duplicate() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(StoreHarness.configuration(prompts: 2), now: Date())
        let lease = try await firstLease(harness, now: Date())
        let result = StoreHarness.result(for: lease)
        let first = try await harness.store.submit(leaseId: lease.leaseId, result: result, now: Date())
        let second = try await harness.store.submit(leaseId: lease.leaseId, result: result, now: Date())
        #expect(!first.duplicate && second.duplicate)
        #expect(second.recordedSamples == first.recordedSamples && second.acceptedSamples == first.acceptedSamples)
        let records = try await harness.store.promptStatistics(runId: run.runId, iteration: 0)
        #expect(records.reduce(0) { $0 + $1.presample.samples } == lease.sampleCount)
        let traces = try await harness.store.traces(runId: run.runId, iteration: 0, stage: nil, after: nil, limit: 100)
        #expect(traces.count == result.samples.count)
    }

    @Test("a late result after a re-lease is refused; one before any re-lease is taken")
    func lateResults() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(StoreHarness.configuration(prompts: 1, leaseSeconds: 10), now: Date())
        let start = Date()
        let stale = try await firstLease(harness, worker: "slow", now: start)
        let late = start.addingTimeInterval(30)
        // Expired, but nobody else took it yet: the result still counts.
        let otherLease = try await firstLease(harness, worker: "other", now: late)
        #expect(otherLease.leaseId != stale.leaseId)
        #expect(otherLease.firstSampleIndex != stale.firstSampleIndex || otherLease.promptId != stale.promptId)
        let taken = try await harness.store.submit(leaseId: stale.leaseId, result: StoreHarness.result(for: stale), now: late)
        #expect(!taken.duplicate)

        // Now let otherLease expire and be re-issued; its late result is refused.
        let later = late.addingTimeInterval(30)
        let reissued = try await firstLease(harness, worker: "third", now: later)
        #expect(reissued.promptId == otherLease.promptId && reissued.firstSampleIndex == otherLease.firstSampleIndex)
        #expect(reissued.seed == otherLease.seed)
        do {
            _ = try await harness.store.submit(leaseId: otherLease.leaseId, result: StoreHarness.result(for: otherLease), now: later)
            Issue.record("a result for a re-issued lease must be refused")
        } catch let error as CoordinatorError {
            #expect(error.kind == .conflict)
        }
        // Heartbeats for it are refused too.
        await #expect(throws: CoordinatorError.self) { try await harness.store.heartbeat(leaseId: otherLease.leaseId, now: later) }
        _ = try await harness.store.submit(leaseId: reissued.leaseId, result: StoreHarness.result(for: reissued), now: later)
        let records = try await harness.store.promptStatistics(runId: run.runId, iteration: 0)
        #expect(records[0].presample.samples == 8)
    }

    @Test("heartbeats extend a lease past its first expiry")
    func heartbeat() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        _ = try await harness.store.createRun(StoreHarness.configuration(prompts: 1, leaseSeconds: 10), now: Date())
        let start = Date()
        let lease = try await firstLease(harness, now: start)
        let reply = try await harness.store.heartbeat(leaseId: lease.leaseId, now: start.addingTimeInterval(8))
        #expect(reply.expiresAt > lease.expiresAt)
        // 15 s after the start the first expiry has passed, but the heartbeat holds it.
        let next = try await firstLease(harness, worker: "other", now: start.addingTimeInterval(15))
        #expect(next.firstSampleIndex != lease.firstSampleIndex)
    }

    @Test("a released lease returns to the queue and its result is refused")
    func release() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        _ = try await harness.store.createRun(StoreHarness.configuration(prompts: 1), now: Date())
        let lease = try await firstLease(harness, now: Date())
        try await harness.store.release(leaseId: lease.leaseId, reason: "shutting down", now: Date())
        let again = try await firstLease(harness, worker: "w2", now: Date())
        #expect(again.firstSampleIndex == lease.firstSampleIndex && again.seed == lease.seed)
        await #expect(throws: CoordinatorError.self) {
            try await harness.store.submit(leaseId: lease.leaseId, result: StoreHarness.result(for: lease), now: Date())
        }
    }

    static func apply(_ change: String, to r: inout LeaseResult) -> String {
        switch change {
        case "generated": r.generated += 1; return "generated"
        case "index out of range": r.samples[0].sampleIndex = 99; return "samples[0].sampleIndex"
        case "index twice": r.samples[1].sampleIndex = r.samples[0].sampleIndex; return "samples[1].sampleIndex"
        case "no norm": r.samples[0].gradNorm = nil; return "samples[0].gradNorm"
        default: r.samples[0].gradNorm = -1; return "samples[0].gradNorm"
        }
    }

    @Test("results that do not match their lease are refused and change nothing", arguments: [
        "generated", "index out of range", "index twice", "no norm", "negative norm",
    ])
    func mismatched(change: String) async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        var configuration = StoreHarness.configuration(prompts: 5)
        configuration.dataset = "math500"
        let run = try await harness.store.createRun(configuration, now: Date())
        // Prompt 4 mod 5 accepts every sample, so the result has samples to break.
        var lease: Lease?
        for _ in 0..<40 {
            let granted = try await firstLease(harness, now: Date())
            if granted.promptId % 5 == 4 { lease = granted; break }
            _ = try await harness.store.submit(leaseId: granted.leaseId, result: StoreHarness.result(for: granted), now: Date())
        }
        let chosen = try #require(lease)
        var result = StoreHarness.result(for: chosen)
        let field = Self.apply(change, to: &result)
        let before = try await harness.store.promptStatistics(runId: run.runId, iteration: 0)
        do {
            _ = try await harness.store.submit(leaseId: chosen.leaseId, result: result, now: Date())
            Issue.record("should be refused")
        } catch let error as CoordinatorError {
            #expect(error.field == field)
        }
        #expect(try await harness.store.promptStatistics(runId: run.runId, iteration: 0) == before)
        // The lease still holds and the right result is taken.
        _ = try await harness.store.submit(leaseId: chosen.leaseId, result: StoreHarness.result(for: chosen), now: Date())
    }

    @Test("a reopened database resumes with its leases and their expiry")
    func restart() async throws {
        var harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(StoreHarness.configuration(prompts: 4), now: Date())
        let held = try await firstLease(harness, now: Date())
        try harness.reopen()
        _ = try await harness.store.submit(leaseId: held.leaseId, result: StoreHarness.result(for: held), now: Date())
        try await harness.drain()
        #expect(try await harness.store.run(id: run.runId).state == .completed)
    }
}
