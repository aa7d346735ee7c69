import GRDB
import Synchronization

/// Feeds the SQLite store's `RunChangeBroadcaster` from its writer
/// connection: TEMP triggers note the runs whose state, current iteration or
/// iteration stage a statement changed, and the runs noted are signalled once
/// the transaction commits (forgotten if it rolls back).
///
/// Triggers rather than calls in each store method, so that no path that
/// changes a stage, today's or a later one, can forget to signal; they are
/// what a PostgreSQL store would use too, with `pg_notify` for the function.
/// A savepoint rolled back inside a committed batch still signals: a spare
/// wake-up, which waiters tolerate.
final class SQLiteRunChangeSignals: TransactionObserver, Sendable {
    private let broadcaster: RunChangeBroadcaster
    /// Written and read on the writer's queue only; the lock is for Sendable.
    private let pending = Mutex(Set<Int>())

    private init(broadcaster: RunChangeBroadcaster) {
        self.broadcaster = broadcaster
    }

    /// Installs the function, the triggers and the observer on `db`, which
    /// must be the writer and have the current schema (after migrations).
    static func install(on db: Database, broadcaster: RunChangeBroadcaster) throws {
        let signals = SQLiteRunChangeSignals(broadcaster: broadcaster)
        db.add(function: DatabaseFunction("gvm_run_changed", argumentCount: 1, pure: false) { values in
            if let runId = Int.fromDatabaseValue(values[0]) {
                signals.pending.withLock { _ = $0.insert(runId) }
            }
            return nil
        })
        // TEMP: they live on this connection only, outside the file's schema.
        try db.execute(sql: """
            CREATE TEMP TRIGGER gvm_run_changed AFTER UPDATE OF state, currentIteration ON run
            WHEN OLD.state IS NOT NEW.state OR OLD.currentIteration IS NOT NEW.currentIteration
            BEGIN SELECT gvm_run_changed(NEW.id); END;
            CREATE TEMP TRIGGER gvm_iteration_started AFTER INSERT ON iteration
            BEGIN SELECT gvm_run_changed(NEW.runId); END;
            CREATE TEMP TRIGGER gvm_iteration_stage_changed AFTER UPDATE OF stage ON iteration
            WHEN OLD.stage IS NOT NEW.stage
            BEGIN SELECT gvm_run_changed(NEW.runId); END;
            """)
        db.add(transactionObserver: signals, extent: .databaseLifetime)
    }

    // Table events are not needed: the triggers say which runs changed.
    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }
    func databaseDidChange(with event: DatabaseEvent) {}

    func databaseDidCommit(_ db: Database) {
        let runIds = pending.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
        if !runIds.isEmpty { broadcaster.signal(runIds) }
    }

    func databaseDidRollback(_ db: Database) {
        pending.withLock { $0.removeAll() }
    }
}
