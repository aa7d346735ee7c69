/// The one place that chooses the storage engine, at start-up. Everything
/// else holds the store by a protocol: the routes by `CoordinatorStore`, the
/// trainer by `TrainingStore`, the queuer by `WorkQueueingStore`.
enum StoreFactory {
    /// The SQLite store on `path` (created if missing), capped at
    /// `maxDatabaseMiB` when given, with a run-configuration cache of its own.
    static func open(path: String, maxDatabaseMiB: Int?) throws -> any CoordinatorStorage {
        try SQLiteStore(path: path, maxDatabaseMiB: maxDatabaseMiB, runConfigurations: RunConfigurationCache())
    }
}
