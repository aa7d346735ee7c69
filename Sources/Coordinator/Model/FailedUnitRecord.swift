import Shared

/// A work unit that failed: past its run's `maxAttemptsPerUnit`.
struct FailedUnitRecord: Codable, Sendable, Equatable {
    var stage: SamplingStage
    var firstSampleIndex: Int
    var sampleCount: Int
    /// Expiries and counted releases it went through.
    var attempts: Int
}
