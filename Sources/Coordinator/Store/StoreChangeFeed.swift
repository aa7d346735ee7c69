/// Tells a waiter that a run changed: its state, its current iteration, or
/// the stage of one of its iterations. It sits behind the store so that each
/// engine feeds it from its own commits: SQLite in-process, after the
/// writer's commit (`SQLiteRunChangeSignals`); PostgreSQL from LISTEN/NOTIFY
/// (a trigger's `pg_notify('gvm_run_changed', runId)` is delivered only on
/// commit), so that coordinators sharing one database hear each other.
///
/// A waiter takes a mark first, then reads the state it cares about, then
/// waits for a change after the mark: a change that commits between its read
/// and its wait ends the wait at once instead of being missed. A wait may also
/// end for a change that does not matter to the waiter (it reads again), but
/// never later than the change it waits for.
protocol StoreChangeFeed: Sendable {
    /// Where the run's changes stand now. Take it before reading the state
    /// it guards. A run that does not exist yet has a mark too.
    func changeMark(runId: Int) async throws -> RunChangeMark

    /// Returns once the run has changed after `mark` (at once if it already
    /// has), at `deadline`, or when the task is cancelled; with the mark to
    /// wait after next time.
    func waitForChange(runId: Int, after mark: RunChangeMark, until deadline: ContinuousClock.Instant) async throws -> RunChangeMark
}

/// A point in one run's changes, which only the feed that made it reads.
struct RunChangeMark: Sendable, Equatable {
    var sequence: UInt64
}
