import Shared

/// A prompt's record in one iteration: its statistics per stage, what they
/// give (p_i, mean and RMS gradient norm, from pre-sampling) and its n_i.
/// Both history queries (per iteration, per prompt) answer with these.
struct PromptIterationRecord: Encodable, Sendable, Equatable {
    var iteration: Int
    var batchIndex: Int
    var promptId: Int
    /// The prompt's `level` in its dataset, nil for none: the history
    /// statistics pool their prior by it, and `allocate --history` reads it here.
    var level: Int?
    var presample: PromptStageStatistics
    var sample: PromptStageStatistics
    var allocatedCount: Int?
    var allocatedRatio: Double?
    /// The pre-samples the prompt was given: N' for every prompt of the
    /// paper's gvm, 0 for uniform, and N' or 0 as the history decided.
    var presampleCount: Int
    /// Runs with history statistics: what the allocation used (nil before
    /// it, and for other runs).
    var history: PromptHistoryRecord?
    /// Runs in rounds: why the prompt drew no more, and what of its cap
    /// (n_i) it left unspent; nil while it is still drawing.
    var roundStop: SampleRounds.Stop?
    var unspent: Int?
    /// Work of this prompt that used up its attempts; its samples were
    /// never returned, and the statistics do not count them.
    var failedUnits: [FailedUnitRecord] = []
    /// Every release of this prompt's leases in the iteration, oldest first.
    var releases: [ReleaseRecord] = []

    enum CodingKeys: String, CodingKey {
        case iteration, batchIndex, promptId, level, presample, sample, allocatedCount, allocatedRatio
        case acceptRate, meanGradNorm, rmsGradNorm, failedUnits, releases, presampleCount, presampled, history
        case roundStop, unspent
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(iteration, forKey: .iteration)
        try container.encode(batchIndex, forKey: .batchIndex)
        try container.encode(promptId, forKey: .promptId)
        try container.encode(level, forKey: .level)
        try container.encode(presample, forKey: .presample)
        try container.encode(sample, forKey: .sample)
        try container.encode(allocatedCount, forKey: .allocatedCount)
        try container.encode(allocatedRatio, forKey: .allocatedRatio)
        try container.encode(presampleCount, forKey: .presampleCount)
        try container.encode(presampleCount > 0, forKey: .presampled)
        try container.encode(history, forKey: .history)
        try container.encode(roundStop, forKey: .roundStop)
        try container.encode(unspent, forKey: .unspent)
        try container.encode(failedUnits, forKey: .failedUnits)
        try container.encode(releases, forKey: .releases)
        // Null before any pre-sample (and for uniform runs, which have none).
        let measured = presample.samples > 0
        try container.encode(measured ? presample.acceptRate : nil, forKey: .acceptRate)
        try container.encode(measured ? presample.meanGradNorm : nil, forKey: .meanGradNorm)
        try container.encode(measured ? presample.rmsGradNorm : nil, forKey: .rmsGradNorm)
    }
}

/// A prompt's history estimate as the allocation used it: the posterior
/// Beta(a, b), its mean p_i, G_i, and the window's flag under GRPO.
struct PromptHistoryRecord: Codable, Sendable, Equatable {
    var posteriorA: Double
    var posteriorB: Double
    var gradNormEstimate: Double
    var flag: HistoryFlag?

    /// p_i: the posterior mean.
    var acceptRateEstimate: Double { posteriorA / (posteriorA + posteriorB) }

    enum CodingKeys: String, CodingKey {
        case posteriorA, posteriorB, acceptRateEstimate, gradNormEstimate, flag
    }

    init(posteriorA: Double, posteriorB: Double, gradNormEstimate: Double, flag: HistoryFlag?) {
        self.posteriorA = posteriorA
        self.posteriorB = posteriorB
        self.gradNormEstimate = gradNormEstimate
        self.flag = flag
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        posteriorA = try c.decode(Double.self, forKey: .posteriorA)
        posteriorB = try c.decode(Double.self, forKey: .posteriorB)
        gradNormEstimate = try c.decode(Double.self, forKey: .gradNormEstimate)
        flag = try c.decodeIfPresent(HistoryFlag.self, forKey: .flag)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(posteriorA, forKey: .posteriorA)
        try c.encode(posteriorB, forKey: .posteriorB)
        try c.encode(acceptRateEstimate, forKey: .acceptRateEstimate)
        try c.encode(gradNormEstimate, forKey: .gradNormEstimate)
        try c.encode(flag, forKey: .flag)
    }
}
