import Foundation
import Synchronization
import Shared

/// Decoded run configurations, so that a lease grant or a result does not
/// decode its run's JSON again: at ingest rates that decode was a measurable
/// share of the single writer's time. A run's stored configuration never
/// changes, but the cache still keys on the stored text, so a different text
/// can never be answered with a stale value. Each store owns one, passed in
/// at init (`StoreFactory`), so that none outlives its store.
final class RunConfigurationCache: Sendable {
    private let entries = Mutex<[Int: (json: String, configuration: RunConfiguration)]>([:])

    func configuration(runId: Int, json: String) throws -> RunConfiguration {
        if let hit = entries.withLock({ $0[runId] }), hit.json == json { return hit.configuration }
        let configuration = try SQLiteStore.decode(RunConfiguration.self, json: json)
        entries.withLock { $0[runId] = (json, configuration) }
        return configuration
    }
}
