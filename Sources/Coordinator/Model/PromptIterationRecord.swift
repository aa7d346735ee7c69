import Shared

/// A prompt's record in one iteration: its statistics per stage, what they
/// give (p_i, mean and RMS gradient norm, from pre-sampling) and its n_i.
/// Both history queries (per iteration, per prompt) answer with these.
struct PromptIterationRecord: Encodable, Sendable, Equatable {
    var iteration: Int
    var batchIndex: Int
    var promptId: Int
    var presample: PromptStageStatistics
    var sample: PromptStageStatistics
    var allocatedCount: Int?
    var allocatedRatio: Double?
    /// Work of this prompt that used up its attempts; its samples were
    /// never returned, and the statistics do not count them.
    var failedUnits: [FailedUnitRecord] = []
    /// Every release of this prompt's leases in the iteration, oldest first.
    var releases: [ReleaseRecord] = []

    enum CodingKeys: String, CodingKey {
        case iteration, batchIndex, promptId, presample, sample, allocatedCount, allocatedRatio
        case acceptRate, meanGradNorm, rmsGradNorm, failedUnits, releases
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(iteration, forKey: .iteration)
        try container.encode(batchIndex, forKey: .batchIndex)
        try container.encode(promptId, forKey: .promptId)
        try container.encode(presample, forKey: .presample)
        try container.encode(sample, forKey: .sample)
        try container.encode(allocatedCount, forKey: .allocatedCount)
        try container.encode(allocatedRatio, forKey: .allocatedRatio)
        try container.encode(failedUnits, forKey: .failedUnits)
        try container.encode(releases, forKey: .releases)
        // Null before any pre-sample (and for uniform runs, which have none).
        let measured = presample.samples > 0
        try container.encode(measured ? presample.acceptRate : nil, forKey: .acceptRate)
        try container.encode(measured ? presample.meanGradNorm : nil, forKey: .meanGradNorm)
        try container.encode(measured ? presample.rmsGradNorm : nil, forKey: .rmsGradNorm)
    }
}
