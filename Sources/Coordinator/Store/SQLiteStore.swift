import Foundation
import GRDB
import Shared

/// The SQLite implementation of the store protocols (`CoordinatorStorage`):
/// one file, WAL mode, a `DatabasePool` so that status reads and exports
/// never wait for writers. At start-up `StoreFactory` makes it.
///
/// GRDB runs every access on its own dispatch queues and resumes the caller
/// afterwards, so no SQLite call blocks Swift's cooperative thread pool.
final class SQLiteStore: CoordinatorStore, TrainingStore, WorkQueueingStore {
    let pool: DatabasePool
    /// Lease grants, heartbeats, releases and results: the hot writes.
    let groupCommit: GroupCommitWriter
    private let checkpointer: WALCheckpointer
    /// Wakes waiters on a run after a commit changed it (StoreChangeFeed).
    let changes: RunChangeBroadcaster
    /// Decoded run configurations, this store's own (passed in, so that no
    /// process-global state outlives the store or is shared between files).
    let runConfigurations: RunConfigurationCache

    /// `maxDatabaseMiB` caps the database's size: a write that would grow it
    /// past the cap fails as on a full disk (SQLITE_FULL, which the API
    /// answers with 503), and reads go on. SQLite never lowers the cap below
    /// the file's current size, so a cap under it freezes the size there.
    init(path: String, maxDatabaseMiB: Int? = nil, runConfigurations: RunConfigurationCache) throws {
        self.runConfigurations = runConfigurations
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // WAL with NORMAL sync is durable across process crashes; only a
            // power loss can drop the last transactions.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Checkpoints run off the writer, in `WALCheckpointer`.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            if let maxDatabaseMiB {
                let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
                _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(max(1, maxDatabaseMiB * (1 << 20) / pageSize))")
            }
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try Schema.migrator.migrate(pool)
        // A state this gvm does not know refuses the whole file now, rather
        // than a request at a time later (or a silent default).
        try pool.read(StateColumn.checkAll)
        let changes = RunChangeBroadcaster()
        self.changes = changes
        try pool.writeWithoutTransaction { db in try SQLiteRunChangeSignals.install(on: db, broadcaster: changes) }
        groupCommit = GroupCommitWriter(pool: pool)
        checkpointer = try WALCheckpointer(path: path, pool: pool)
    }

    // MARK: Shared row helpers

    static let encoder = WireJSON.encoder()

    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, json: String) throws -> T {
        try WireJSON.decoder().decode(type, from: Data(json.utf8))
    }

    /// A run's row with its configuration decoded.
    struct RunRow {
        var id: Int
        var datasetId: Int64
        var configuration: RunConfiguration
        var gvmVersion: String
        var state: RunState
        var currentIteration: Int
        var modelVersion: String
        var createdAt: Date
        var orderVersion: OrderVersion

        init(row: Row, configurations: RunConfigurationCache) throws {
            id = row["id"]
            datasetId = row["datasetId"]
            configuration = try configurations.configuration(runId: id, json: row["configuration"])
            gvmVersion = row["gvmVersion"]
            state = try row.stored("state", table: "run", row: ["id": id])
            currentIteration = row["currentIteration"]
            modelVersion = row["modelVersion"]
            createdAt = row["createdAt"]
            orderVersion = try SQLiteStore.orderVersion(stored: row["orderVersion"], runId: id)
        }
    }

    /// An instance method, as are the helpers that call it: decoding the
    /// configuration goes through this store's cache.
    func runRow(_ db: Database, id: Int) throws -> RunRow {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM run WHERE id = ?"), arguments: [id]) else {
            throw RequestRefusal.notFound("run \(id) does not exist")
        }
        return try RunRow(row: row, configurations: runConfigurations)
    }

    static func iterationStage(_ db: Database, runId: Int, iteration: Int) throws -> IterationStage {
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT stage FROM iteration WHERE runId = ? AND number = ?"), arguments: [runId, iteration])
        else { return .done }
        return try row.stored("stage", table: "iteration", row: ["runId": runId, "number": iteration])
    }

    /// The model version an iteration samples with; nil before it exists.
    static func iterationModelVersion(_ db: Database, runId: Int, iteration: Int) throws -> String? {
        try String.fetchOne(
            db.cachedStatement(sql: "SELECT modelVersion FROM iteration WHERE runId = ? AND number = ?"),
            arguments: [runId, iteration])
    }
}
