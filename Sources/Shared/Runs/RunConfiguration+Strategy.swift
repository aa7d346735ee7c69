/// The run's allocation strategy, as the coordinator consults it: through
/// its needs and its `allocate`, never through its name.
extension RunConfiguration {
    /// What the run's strategy needs gathered in each iteration. Rounds are
    /// the run's choice, open to every strategy, so the configuration adds them.
    public var strategyNeeds: StrategyNeeds {
        var needs = strategy.strategyType.needs(for: self)
        needs.samplesInRounds = rounds != nil
        return needs
    }

    public var allocationStrategy: any AllocationStrategy { strategy.strategy }

    /// The samples each prompt is pre-sampled with (N'); 0 when the strategy
    /// draws no pre-samples.
    public var presamplesDrawn: Int { strategyNeeds.presamplesPerPrompt }
}
