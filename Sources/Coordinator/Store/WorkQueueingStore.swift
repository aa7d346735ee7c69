import Foundation

/// What `WorkQueuer` writes: the rest of each stage's work units, one bounded
/// batch per transaction (`WorkQueueing`). A protocol of its own, so that the
/// queuer depends on no engine.
protocol WorkQueueingStore: Sendable {
    /// The next batch of the oldest stage with units to queue, at most
    /// `limit` units. Returns how many it wrote, or nil when nothing was left.
    func queueNextWorkBatch(limit: Int, now: Date) async throws -> Int?
}
