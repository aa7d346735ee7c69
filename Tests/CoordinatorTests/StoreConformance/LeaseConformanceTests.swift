import Foundation
import Shared
import Testing
@testable import Coordinator

/// Heartbeats, expiry, releases, repeats and late results, as every engine
/// must keep them.
@Suite("Store conformance: leases")
struct LeaseConformanceTests {
    @Test("a repeated result gets the same receipt and is not counted twice", arguments: StoreEngine.all)
    func duplicate(engine: StoreEngine) async throws {
        let (harness, run) = try await StoreConformanceHarness.withRun(engine, StoreFixtures.configuration(prompts: 2))
        let lease = try await harness.firstLease()
        let result = StoreFixtures.result(for: lease)
        let first = try await harness.store.submit(leaseId: lease.leaseId, result: result, now: Date())
        let second = try await harness.store.submit(leaseId: lease.leaseId, result: result, now: Date())
        #expect(!first.duplicate && second.duplicate)
        #expect(second.recordedSamples == first.recordedSamples && second.acceptedSamples == first.acceptedSamples)
        let records = try await harness.store.promptStatistics(runId: run.runId, iteration: 0)
        #expect(records.reduce(0) { $0 + $1.presample.samples } == lease.sampleCount)
        let traces = try await harness.store.traces(runId: run.runId, iteration: 0, stage: nil, after: nil, limit: 100)
        #expect(traces.count == result.samples.count)
    }

    @Test("a late result after a re-lease is refused; one before any re-lease is taken", arguments: StoreEngine.all)
    func lateResults(engine: StoreEngine) async throws {
        let (harness, run) = try await StoreConformanceHarness.withRun(
            engine, StoreFixtures.configuration(prompts: 1, leaseSeconds: 10))
        let start = Date()
        let stale = try await harness.firstLease(worker: "slow", now: start)
        let late = start.addingTimeInterval(30)
        // Expired, but nobody else took it yet: the result still counts.
        let otherLease = try await harness.firstLease(worker: "other", now: late)
        #expect(otherLease.leaseId != stale.leaseId)
        #expect(otherLease.firstSampleIndex != stale.firstSampleIndex || otherLease.promptId != stale.promptId)
        let taken = try await harness.store.submit(leaseId: stale.leaseId, result: StoreFixtures.result(for: stale), now: late)
        #expect(!taken.duplicate)

        // Now let otherLease expire and be re-issued; its late result is refused.
        let later = late.addingTimeInterval(30)
        let reissued = try await harness.firstLease(worker: "third", now: later)
        #expect(reissued.promptId == otherLease.promptId && reissued.firstSampleIndex == otherLease.firstSampleIndex)
        #expect(reissued.seed == otherLease.seed)
        do {
            _ = try await harness.store.submit(
                leaseId: otherLease.leaseId, result: StoreFixtures.result(for: otherLease), now: later)
            Issue.record("a result for a re-issued lease must be refused")
        } catch let error as RequestRefusal {
            #expect(error.kind == .conflict)
        }
        // Heartbeats for it are refused too.
        await #expect(throws: RequestRefusal.self) { try await harness.store.heartbeat(leaseId: otherLease.leaseId, now: later) }
        _ = try await harness.store.submit(leaseId: reissued.leaseId, result: StoreFixtures.result(for: reissued), now: later)
        let records = try await harness.store.promptStatistics(runId: run.runId, iteration: 0)
        #expect(records[0].presample.samples == 8)
    }

    @Test("heartbeats extend a lease past its first expiry", arguments: StoreEngine.all)
    func heartbeat(engine: StoreEngine) async throws {
        let (harness, _) = try await StoreConformanceHarness.withRun(
            engine, StoreFixtures.configuration(prompts: 1, leaseSeconds: 10))
        let start = Date()
        let lease = try await harness.firstLease(now: start)
        let reply = try await harness.store.heartbeat(leaseId: lease.leaseId, now: start.addingTimeInterval(8))
        #expect(reply.expiresAt > lease.expiresAt)
        // 15 s after the start the first expiry has passed, but the heartbeat holds it.
        let next = try await harness.firstLease(worker: "other", now: start.addingTimeInterval(15))
        #expect(next.firstSampleIndex != lease.firstSampleIndex)
    }

    @Test("work never leased goes out before work whose lease expired, which keeps its seed", arguments: StoreEngine.all)
    func neverLeasedFirst(engine: StoreEngine) async throws {
        // 2 prompts x 8 pre-samples in leases of 4: four units; a capacity
        // of 8 samples takes two of them.
        let (harness, _) = try await StoreConformanceHarness.withRun(
            engine, StoreFixtures.configuration(prompts: 2, leaseSeconds: 10))
        let start = Date()
        let first = try await harness.grant(worker: "a", capacity: 8, now: start)
        // The first two expired; the two never leased still go out before them.
        let second = try await harness.grant(worker: "b", capacity: 8, now: start.addingTimeInterval(11))
        let key = { (lease: Lease) in "\(lease.promptId)/\(lease.firstSampleIndex)" }
        #expect(first.count == 2 && second.count == 2)
        #expect(Set(first.map(key)).isDisjoint(with: second.map(key)))
        // Only then are the expired ones issued again, with their seeds; the
        // second two are still held.
        let third = try await harness.grant(worker: "c", capacity: 64, now: start.addingTimeInterval(12))
        #expect(Set(third.map(key)) == Set(first.map(key)))
        #expect(Set(third.map(\.seed)) == Set(first.map(\.seed)))
    }

    @Test("a released lease returns to the queue and its result is refused", arguments: StoreEngine.all)
    func release(engine: StoreEngine) async throws {
        let (harness, _) = try await StoreConformanceHarness.withRun(engine, StoreFixtures.configuration(prompts: 1))
        let lease = try await harness.firstLease()
        try await harness.store.release(leaseId: lease.leaseId, reason: "shutting down", now: Date())
        let again = try await harness.firstLease(worker: "w2")
        #expect(again.firstSampleIndex == lease.firstSampleIndex && again.seed == lease.seed)
        await #expect(throws: RequestRefusal.self) {
            try await harness.store.submit(leaseId: lease.leaseId, result: StoreFixtures.result(for: lease), now: Date())
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

    @Test("results that do not match their lease are refused and change nothing", arguments: StoreEngine.all, [
        "generated", "index out of range", "index twice", "no norm", "negative norm",
    ])
    func mismatched(engine: StoreEngine, change: String) async throws {
        let (harness, run) = try await StoreConformanceHarness.withRun(engine, StoreFixtures.configuration(prompts: 5))
        // Prompt 4 mod 5 accepts every sample, so the result has samples to break.
        var lease: Lease?
        for _ in 0..<40 {
            let granted = try await harness.firstLease()
            if granted.promptId % 5 == 4 { lease = granted; break }
            _ = try await harness.store.submit(leaseId: granted.leaseId, result: StoreFixtures.result(for: granted), now: Date())
        }
        let chosen = try #require(lease)
        var result = StoreFixtures.result(for: chosen)
        let field = Self.apply(change, to: &result)
        let before = try await harness.store.promptStatistics(runId: run.runId, iteration: 0)
        do {
            _ = try await harness.store.submit(leaseId: chosen.leaseId, result: result, now: Date())
            Issue.record("should be refused")
        } catch let error as RequestRefusal {
            #expect(error.field == field)
        }
        #expect(try await harness.store.promptStatistics(runId: run.runId, iteration: 0) == before)
        // The lease still holds and the right result is taken.
        _ = try await harness.store.submit(leaseId: chosen.leaseId, result: StoreFixtures.result(for: chosen), now: Date())
    }
}
