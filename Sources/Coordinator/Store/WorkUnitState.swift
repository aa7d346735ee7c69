/// A work unit's life (`workUnit.state`): `queued` until a worker leases it,
/// `leased` while a lease holds it (an expiry or a release queues it again),
/// then `done` once its result is taken, `failed` once its attempts are used
/// up (`RetryBudget`), or `cancelled` with its run.
enum WorkUnitState: String, StoredEnum {
    case queued, leased, done, failed, cancelled

    /// The states that keep a stage from completing: every one but `done`
    /// and `failed`, listed so that the (runId, iteration, stage, state)
    /// index answers with lookups. A cancelled run's stage never completes.
    static let open: [WorkUnitState] = [.queued, .leased, .cancelled]
}
