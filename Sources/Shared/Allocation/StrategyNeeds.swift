/// What a strategy needs the coordinator to gather before it can allocate an
/// iteration's budget. The coordinator plans its stages from this alone, so a
/// new strategy never needs a change to the stage machine.
public struct StrategyNeeds: Equatable, Sendable {
    /// Which prompts are pre-sampled, and how often, before allocating.
    public var presamples: PresampleNeed
    /// Whether allocation reads statistics of earlier iterations.
    public var usesHistory: Bool
    /// Whether the sample stage is drawn in rounds that stop each prompt
    /// once it has enough (`RunConfiguration.rounds`).
    public var samplesInRounds: Bool

    public init(presamples: PresampleNeed, usesHistory: Bool = false, samplesInRounds: Bool = false) {
        self.presamples = presamples
        self.usesHistory = usesHistory
        self.samplesInRounds = samplesInRounds
    }

    /// N': the pre-samples each prompt of the batch gets; 0 when there is no
    /// presample stage.
    public var presamplesPerPrompt: Int { presamples.perPrompt }

    /// Whether an iteration opens with a presample stage (and then allocates).
    public var presamplesFirst: Bool { presamplesPerPrompt > 0 }
}

/// The pre-sampling a strategy asks for. An enum rather than a count so that
/// a later strategy can pre-sample only some of the batch's prompts.
public enum PresampleNeed: Equatable, Sendable {
    /// No presample stage: the strategy allocates without statistics.
    case none
    /// The same number of pre-samples for every prompt of the batch.
    case everyPrompt(count: Int)
    /// `count` pre-samples for each prompt whose history posterior is
    /// uncertain (sd above the run's σ_max), none for the others.
    case whereUncertain(count: Int)

    /// N': what a pre-sampled prompt gets; some prompts may get none.
    public var perPrompt: Int {
        switch self {
        case .none: 0
        case .everyPrompt(let count), .whereUncertain(let count): count
        }
    }
}
