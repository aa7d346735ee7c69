import Shared

/// A worker's release of one lease, as stored with the lease.
struct ReleaseRecord: Codable, Sendable, Equatable {
    var stage: SamplingStage
    var firstSampleIndex: Int
    var workerName: String
    var kind: ReleaseKind
    var reason: String
}
