import Shared

/// What the store reads of a lease, its unit and its run when a worker
/// calls about the lease: all that `LeaseRules` decide from. A snapshot
/// re-read from the file after a restart decides the same way.
struct LeaseSnapshot: Equatable, Sendable {
    var leaseId: String
    var state: LeaseState
    /// The lease the unit remembers: this one, a newer one after a re-issue,
    /// or none once released.
    var unitLeaseId: String?
    var unitState: WorkUnitState
    /// Expiries and counted releases of the unit so far (`RetryBudget`).
    var attempts: Int
    var firstSampleIndex: Int
    var sampleCount: Int
    var runId: Int
    var runState: RunState
}
