import Foundation

/// A worker as `list-workers` and `/v1/status` show it.
struct WorkerSummary: Codable, Sendable, Equatable {
    var name: String
    var model: String
    var firstSeen: Date
    var lastSeen: Date
    var activeLeases: Int
    var samplesSubmitted: Int
    /// Over the last `StatusWindow.seconds`.
    var samplesPerSecond: Double
    var releases = Releases()

    /// The leases this worker gave back.
    struct Releases: Codable, Sendable, Equatable {
        /// Counts by `ReleaseKind` raw value; releases from before kinds were kept are not counted.
        var byKind: [String: Int] = [:]
        var lastReason: String?
    }
}
