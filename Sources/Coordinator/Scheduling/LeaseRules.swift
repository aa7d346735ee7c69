import Foundation
import Shared

/// The lease rules (README, "The lease rules") as decisions without a
/// database: each event takes what the store read and says what to write
/// and what to answer. The store executes the decision inside the
/// transaction that read the snapshot, so a rule and its effect never part.
struct LeaseRules: Equatable, Sendable {
    var leaseSeconds: TimeInterval
    var retryBudget: RetryBudget
    var algorithm: TrainingAlgorithm

    init(leaseSeconds: TimeInterval, retryBudget: RetryBudget, algorithm: TrainingAlgorithm) {
        self.leaseSeconds = leaseSeconds
        self.retryBudget = retryBudget
        self.algorithm = algorithm
    }

    /// The rules of one run.
    init(configuration: RunConfiguration) {
        self.init(
            leaseSeconds: configuration.leaseSeconds, retryBudget: RetryBudget(maxAttempts: configuration.maxAttemptsPerUnit),
            algorithm: configuration.algorithm)
    }

    /// What becomes of a unit whose lease failed (an expiry, or a release).
    enum UnitRetry: Equatable, Sendable {
        /// Back to the queue with this many attempts used.
        case requeue(attempts: Int)
        /// Past the run's budget: its iteration goes on without it, so its
        /// stage may now be complete.
        case fail(attempts: Int)
    }

    private func retry(attempts: Int, counts: Bool) -> UnitRetry {
        let outcome = retryBudget.afterFailure(attempts: attempts, counts: counts)
        return outcome.failed ? .fail(attempts: outcome.attempts) : .requeue(attempts: outcome.attempts)
    }

    // MARK: Standing

    /// Whether a lease still holds its unit and its run still takes calls
    /// about it. Checked first for every call, before anything else of the
    /// lease is read.
    static func standing(leaseId: String, unitLeaseId: String?, runId: Int, runState: RunState) -> LeaseRefusal? {
        holding(leaseId: leaseId, unitLeaseId: unitLeaseId) ?? taking(runId: runId, runState: runState)
    }

    /// Only the identity a lease was granted to may call about it; without
    /// tokens every caller and every lease is nobody's (nil), so they match.
    /// Checked before anything else of the lease, so another identity
    /// learns nothing of its state.
    static func owning(leaseId: String, holder: String?, caller: String?) -> LeaseRefusal? {
        holder == caller ? nil : .otherIdentity(leaseId: leaseId)
    }

    /// Once its unit was re-issued (or released), a lease's calls are refused.
    static func holding(leaseId: String, unitLeaseId: String?) -> LeaseRefusal? {
        unitLeaseId == leaseId ? nil : .reissuedOrReleased(leaseId: leaseId)
    }

    /// A cancelled run takes no more calls about its leases.
    static func taking(runId: Int, runState: RunState) -> LeaseRefusal? {
        runState == .cancelled ? .runCancelled(runId: runId) : nil
    }

    /// The standing, then the lease's own state, then its unit's.
    private static func refusal(_ lease: LeaseSnapshot, event: LeaseRefusal.LeaseEventName) -> LeaseRefusal? {
        let standing = standing(leaseId: lease.leaseId, unitLeaseId: lease.unitLeaseId, runId: lease.runId, runState: lease.runState)
        if let standing { return standing }
        guard lease.state.isUnfinished else { return .finished(leaseId: lease.leaseId, state: lease.state, event: event) }
        // A failed unit takes no more calls: its iteration has gone on without it.
        guard lease.unitState != .failed else { return .unitFailed(attempts: lease.attempts) }
        return nil
    }

    // MARK: Grant

    /// The queued units a grant considers, in the order it takes them:
    /// never-leased units first, so that a worker whose lease merely expired
    /// has the longest chance to still deliver.
    enum QueuedUnitKind: Equatable, Sendable, CaseIterable {
        case neverLeased
        case leasedBefore
    }

    static let grantOrder: [QueuedUnitKind] = [.neverLeased, .leasedBefore]

    /// Which candidates (indices, in grant order) a worker of `capacity`
    /// samples gets: each that still fits, and always at least the first, so
    /// that a unit larger than any worker's capacity is still handed out.
    static func pack(sampleCounts: [Int], capacity: Int) -> [Int] {
        var granted: [Int] = []
        var remaining = capacity
        for (index, count) in sampleCounts.enumerated() {
            if count > remaining && !granted.isEmpty { continue }
            granted.append(index)
            remaining -= count
            if remaining <= 0 { break }
        }
        return granted
    }

    /// A new lease of a queued unit.
    struct Grant: Equatable, Sendable {
        var expiresAt: Date
        /// The unit's previous lease, which becomes `superseded`: from now on
        /// its late result gets 409 and is not counted.
        var supersedes: String?
    }

    func grant(unitLeaseId: String?, now: Date) -> Grant {
        Grant(expiresAt: now.addingTimeInterval(leaseSeconds), supersedes: unitLeaseId)
    }

    // MARK: Heartbeat

    enum HeartbeatDecision: Equatable, Sendable {
        case refuse(LeaseRefusal)
        /// The lease is active until `until`. An expired lease whose unit was
        /// not re-issued comes back to life, and takes its queued unit back.
        case extend(until: Date, reclaimUnit: Bool)
    }

    func heartbeat(_ lease: LeaseSnapshot, now: Date) -> HeartbeatDecision {
        if let refusal = Self.refusal(lease, event: .heartbeat) { return .refuse(refusal) }
        return .extend(until: now.addingTimeInterval(leaseSeconds), reclaimUnit: lease.unitState == .queued)
    }

    // MARK: Release

    enum ReleaseDecision: Equatable, Sendable {
        case refuse(LeaseRefusal)
        /// The lease ends `released` and lets go of its unit, which goes on as `unit` says.
        case giveBack(countsAsAttempt: Bool, unit: UnitRetry)
    }

    func release(_ lease: LeaseSnapshot, kind: ReleaseKind) -> ReleaseDecision {
        if let refusal = Self.refusal(lease, event: .release) { return .refuse(refusal) }
        // An expired lease's unit is queued already and has paid for the expiry.
        let counts = kind.countsAsAttempt && lease.state == .active
        return .giveBack(countsAsAttempt: counts, unit: retry(attempts: lease.attempts, counts: counts))
    }

    // MARK: Expiry

    enum ExpiryDecision: Equatable, Sendable {
        /// Not past its expiry, or not active: nothing changes.
        case keep
        /// The lease becomes `expired`; its unit keeps remembering it, so a
        /// late result still counts until the unit is leased again.
        case expire(unit: UnitRetry)
    }

    /// An active lease is overdue once its expiry has passed (not at it).
    func expiry(state: LeaseState, expiresAt: Date, attempts: Int, now: Date) -> ExpiryDecision {
        guard state == .active, expiresAt < now else { return .keep }
        return .expire(unit: retry(attempts: attempts, counts: true))
    }

    // MARK: Result

    enum RepeatDecision: Equatable, Sendable {
        /// The same result again: the first receipt, marked duplicate; nothing changes.
        case replayReceipt
        case refuse(LeaseRefusal)
    }

    /// A result for a completed lease. Leases finished before digests were
    /// kept have none; their repeats are answered as they always were.
    static func repeated(leaseId: String, takenDigest: String?, digest: String) -> RepeatDecision {
        if let takenDigest, takenDigest != digest { return .refuse(.differentResult(leaseId: leaseId)) }
        return .replayReceipt
    }

    enum ResultDecision: Equatable, Sendable {
        case refuse(LeaseRefusal)
        /// The result does not fit the lease (400).
        case invalid(FieldError)
        /// Its traces, these statistics, the unit `done` and the lease
        /// `completed` with this receipt, then the stage check: one transaction.
        case take(statistics: PromptStageStatistics, receipt: SubmissionReceipt)
    }

    /// A result for a lease that is not completed. An expired lease still
    /// holds its unit until a re-issue, so its late result is taken.
    func result(_ result: LeaseResult, for lease: LeaseSnapshot) -> ResultDecision {
        if let refusal = Self.refusal(lease, event: .result) { return .refuse(refusal) }
        do throws(FieldError) {
            try result.validate(firstSampleIndex: lease.firstSampleIndex, sampleCount: lease.sampleCount, algorithm: algorithm)
        } catch {
            return .invalid(error)
        }
        let statistics = Self.statistics(of: result)
        return .take(
            statistics: statistics,
            receipt: SubmissionReceipt(
                leaseId: lease.leaseId, recordedSamples: result.samples.count, acceptedSamples: statistics.accepted,
                duplicate: false))
    }

    /// What a taken result adds to its prompt's statistics: every generated
    /// sample, and the gradient norms of accepted ones only.
    static func statistics(of result: LeaseResult) -> PromptStageStatistics {
        var statistics = PromptStageStatistics(samples: result.generated)
        for sample in result.samples where sample.accepted {
            let norm = sample.gradNorm ?? 0
            statistics.accepted += 1
            statistics.gradNormSum += norm
            statistics.gradNormSquareSum += norm * norm
        }
        return statistics
    }
}
