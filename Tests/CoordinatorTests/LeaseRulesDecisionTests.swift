import Foundation
import Shared
import Testing
@testable import Coordinator

/// The README's lease rules, one test each, decided by `LeaseRules` alone:
/// no database, no store. (LeaseConformanceTests shows the same rules through the store.)
@Suite("Lease rules as values")
struct LeaseRulesDecisionTests {
    static let rules = LeaseRules(leaseSeconds: 60, retryBudget: RetryBudget(maxAttempts: 3), algorithm: .raft)
    static let start = Date(timeIntervalSince1970: 1_700_000_000)

    /// A lease that holds its unit, as the store reads it.
    static func lease(
        _ state: LeaseState = .active, unit: WorkUnitState = .leased, attempts: Int = 0, heldBy: String? = "L1",
        run: RunState = .active
    ) -> LeaseSnapshot {
        LeaseSnapshot(
            leaseId: "L1", state: state, unitLeaseId: heldBy, unitState: unit, attempts: attempts,
            firstSampleIndex: 4, sampleCount: 2, runId: 7, runState: run)
    }

    static func sample(_ index: Int, reward: Double, gradNorm: Double?) -> SampleResult {
        SampleResult(
            sampleIndex: index, response: "r\(index)", reward: reward, gradNorm: gradNorm, completionTokens: 5,
            finishReason: .stop)
    }

    /// Sample 4 accepted (norm 2), sample 5 rejected (its norm is not counted).
    static let result = LeaseResult(
        generated: 2, samples: [sample(4, reward: 1, gradNorm: 2), sample(5, reward: 0, gradNorm: 9)])

    @Test("Heartbeats: a heartbeat extends a lease")
    func heartbeats() {
        let now = Self.start.addingTimeInterval(30)
        #expect(Self.rules.heartbeat(Self.lease(), now: now) == .extend(until: now.addingTimeInterval(60), reclaimUnit: false))
        // An expired lease whose unit was not re-issued comes back to life and takes its queued unit back.
        #expect(
            Self.rules.heartbeat(Self.lease(.expired, unit: .queued), now: now)
                == .extend(until: now.addingTimeInterval(60), reclaimUnit: true))
        // A finished lease, or one whose unit failed, is told to stop.
        let completed = Self.rules.heartbeat(Self.lease(.completed, unit: .done), now: now)
        #expect(completed == .refuse(.finished(leaseId: "L1", state: .completed, event: .heartbeat)))
        #expect(LeaseRefusal.finished(leaseId: "L1", state: .completed, event: .heartbeat).message
            == "lease L1 is completed; stop working on it")
        #expect(Self.rules.heartbeat(Self.lease(unit: .failed, attempts: 3), now: now) == .refuse(.unitFailed(attempts: 3)))
        #expect(LeaseRefusal.unitFailed(attempts: 3).message
            == "the work of this lease failed after 3 attempts; the iteration goes on without it")
    }

    @Test("Expiry: an expired lease's unit returns to the queue, never-leased units first")
    func expiry() {
        let expiresAt = Self.start.addingTimeInterval(60)
        // Not before its expiry, nor at it: only once it has passed.
        #expect(Self.rules.expiry(state: .active, expiresAt: expiresAt, attempts: 0, now: expiresAt) == .keep)
        #expect(
            Self.rules.expiry(state: .active, expiresAt: expiresAt, attempts: 0, now: expiresAt.addingTimeInterval(1))
                == .expire(unit: .requeue(attempts: 1)))
        // A lease that is no longer active is not expired again.
        #expect(Self.rules.expiry(state: .completed, expiresAt: expiresAt, attempts: 0, now: expiresAt.addingTimeInterval(1)) == .keep)
        // The expiry that uses up the run's budget fails the unit instead.
        #expect(
            Self.rules.expiry(state: .active, expiresAt: expiresAt, attempts: 2, now: expiresAt.addingTimeInterval(1))
                == .expire(unit: .fail(attempts: 3)))
        // Grants take never-leased units before those whose lease expired.
        #expect(LeaseRules.grantOrder == [.neverLeased, .leasedBefore])
    }

    @Test("Late results: taken while the unit is not re-issued; once re-issued, 409 and not counted")
    func lateResults() {
        // Expired, but nobody else took the unit: the result is taken.
        guard case .take = Self.rules.result(Self.result, for: Self.lease(.expired, unit: .queued)) else {
            Issue.record("a late result for a unit not re-issued must be taken")
            return
        }
        // Re-issuing the unit supersedes the old lease.
        let grant = Self.rules.grant(unitLeaseId: "L1", now: Self.start.addingTimeInterval(90))
        #expect(grant == LeaseRules.Grant(expiresAt: Self.start.addingTimeInterval(150), supersedes: "L1"))
        // From then on the unit remembers the new lease, and the old lease's result is refused.
        let superseded = Self.lease(.superseded, unit: .leased, heldBy: "L2")
        let refusal = LeaseRefusal.reissuedOrReleased(leaseId: "L1")
        #expect(Self.rules.result(Self.result, for: superseded) == .refuse(refusal))
        #expect(refusal.error == .conflict("lease L1 was re-issued to another worker or released; its result is not counted"))
        #expect(Self.rules.heartbeat(superseded, now: Self.start) == .refuse(refusal))
        #expect(Self.rules.release(superseded, kind: .other) == .refuse(refusal))
    }

    @Test("Repeats: a repeated result gets the same receipt back and changes nothing")
    func repeats() {
        #expect(LeaseRules.repeated(leaseId: "L1", takenDigest: "d1", digest: "d1") == .replayReceipt)
        // Leases finished before digests were kept replay as they always did.
        #expect(LeaseRules.repeated(leaseId: "L1", takenDigest: nil, digest: "d1") == .replayReceipt)
        let different = LeaseRules.repeated(leaseId: "L1", takenDigest: "d1", digest: "d2")
        #expect(different == .refuse(.differentResult(leaseId: "L1")))
        #expect(LeaseRefusal.differentResult(leaseId: "L1").message
            == "lease L1 already delivered a different result; this one is not stored")
        // A completed lease that is not a repeat of its result (say, the store
        // found it otherwise) takes nothing either.
        #expect(
            Self.rules.result(Self.result, for: Self.lease(.completed, unit: .done))
                == .refuse(.finished(leaseId: "L1", state: .completed, event: .result)))
    }

    @Test("What is counted: statistics come only from taken results")
    func whatIsCounted() {
        let taken = Self.rules.result(Self.result, for: Self.lease())
        // Every generated sample counts; only accepted samples' gradient norms do.
        let statistics = PromptStageStatistics(samples: 2, accepted: 1, gradNormSum: 2, gradNormSquareSum: 4)
        #expect(
            taken == .take(
                statistics: statistics,
                receipt: SubmissionReceipt(leaseId: "L1", recordedSamples: 2, acceptedSamples: 1, duplicate: false)))
        // A result that does not fit the lease is invalid and adds nothing.
        let short = LeaseResult(generated: 1, samples: [Self.sample(4, reward: 1, gradNorm: 2)])
        guard case .invalid(let error) = Self.rules.result(short, for: Self.lease()) else {
            Issue.record("a result short of the lease's samples must be refused")
            return
        }
        #expect(error.field == "generated")
        // Refused results add nothing: a refusal carries no statistics.
        #expect(
            Self.rules.result(Self.result, for: Self.lease(run: .cancelled)) == .refuse(.runCancelled(runId: 7)))
        #expect(LeaseRefusal.runCancelled(runId: 7).message == "run 7 was cancelled; results are refused")
        #expect(Self.rules.result(Self.result, for: Self.lease(unit: .failed, attempts: 3)) == .refuse(.unitFailed(attempts: 3)))
    }

    @Test("Restarts: decisions come from the stored lease, its expiry and the clock alone")
    func restarts() throws {
        // What a file holds of a lease, read back by a restarted coordinator.
        let stored = (state: "active", unitState: "leased", attempts: 1, expiresAt: Self.start.addingTimeInterval(60))
        func reread() throws -> LeaseSnapshot {
            var lease = Self.lease(attempts: stored.attempts)
            lease.state = try #require(LeaseState(rawValue: stored.state))
            lease.unitState = try #require(WorkUnitState(rawValue: stored.unitState))
            return lease
        }
        let before = try reread()
        let after = try reread()
        #expect(before == after)
        let now = Self.start.addingTimeInterval(30)
        #expect(Self.rules.heartbeat(before, now: now) == Self.rules.heartbeat(after, now: now))
        #expect(Self.rules.result(Self.result, for: before) == Self.rules.result(Self.result, for: after))
        // Its expiry survives the restart: still held before it, expired after it.
        #expect(Self.rules.expiry(state: after.state, expiresAt: stored.expiresAt, attempts: after.attempts, now: now) == .keep)
        #expect(
            Self.rules.expiry(
                state: after.state, expiresAt: stored.expiresAt, attempts: after.attempts,
                now: stored.expiresAt.addingTimeInterval(1)) == .expire(unit: .requeue(attempts: 2)))
    }

    @Test("a release uses up an attempt only for a kind that counts, of an active lease")
    func releases() {
        #expect(
            Self.rules.release(Self.lease(attempts: 1), kind: .engineError)
                == .giveBack(countsAsAttempt: true, unit: .requeue(attempts: 2)))
        #expect(
            Self.rules.release(Self.lease(attempts: 1), kind: .shutdown)
                == .giveBack(countsAsAttempt: false, unit: .requeue(attempts: 1)))
        // An expired lease's unit already paid for the expiry.
        #expect(
            Self.rules.release(Self.lease(.expired, unit: .queued, attempts: 1), kind: .timeout)
                == .giveBack(countsAsAttempt: false, unit: .requeue(attempts: 1)))
        #expect(Self.rules.release(Self.lease(attempts: 2), kind: .other) == .giveBack(countsAsAttempt: true, unit: .fail(attempts: 3)))
        // A completed lease still names its unit, but cannot be released.
        #expect(
            Self.rules.release(Self.lease(.completed, unit: .done), kind: .other)
                == .refuse(.finished(leaseId: "L1", state: .completed, event: .release)))
        #expect(LeaseRefusal.finished(leaseId: "L1", state: .completed, event: .release).message
            == "lease L1 is completed and cannot be released")
        // A released lease's unit names no lease any more.
        #expect(
            Self.rules.release(Self.lease(.released, unit: .queued, heldBy: nil), kind: .other)
                == .refuse(.reissuedOrReleased(leaseId: "L1")))
    }

    @Test("a grant packs units up to the worker's capacity, and always at least one")
    func packing() {
        #expect(LeaseRules.pack(sampleCounts: [4, 4, 4], capacity: 8) == [0, 1])
        // A unit that no longer fits is skipped for a later one that does.
        #expect(LeaseRules.pack(sampleCounts: [4, 8, 2, 2], capacity: 8) == [0, 2, 3])
        // A unit larger than the capacity is still handed out when it comes first.
        #expect(LeaseRules.pack(sampleCounts: [16, 1], capacity: 8) == [0])
        #expect(LeaseRules.pack(sampleCounts: [], capacity: 8) == [])
        // A never-leased unit's grant supersedes nothing.
        #expect(Self.rules.grant(unitLeaseId: nil, now: Self.start).supersedes == nil)
    }
}
