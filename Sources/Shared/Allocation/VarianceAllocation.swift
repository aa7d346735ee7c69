/// VIP's closed form (arXiv 2602.01601): n_i proportional to
/// G_i * sqrt(p_i (1 - p_i)), the spread of a prompt's GRPO advantage times
/// its gradient norm, with the filters, the cap, rounding and repair exactly
/// as `gvm`'s (`docs/allocation-strategies.md#variance`).
public struct VarianceAllocation: AllocationStrategy {
    public static let name = "variance"

    public init() {}

    /// p_i and G_i come from the history: a run needs history parameters
    /// (resolved to their defaults when a run names none).
    public static func validate(_ configuration: RunConfiguration) throws(FieldError) {
        try refuseForeign(configuration, history: false, floor: true)
        try HistoryParameters.require(configuration, strategy: name)
    }

    public static func resolve(_ configuration: inout RunConfiguration) {
        if configuration.history == nil { configuration.history = .defaults }
    }

    /// Pre-samples for the prompts the history is unsure of, then one allocation.
    public static func needs(for configuration: RunConfiguration) -> StrategyNeeds {
        StrategyNeeds(presamples: .whereUncertain(count: configuration.presamples), usesHistory: true)
    }

    /// w_i; zero for a solved or hopeless prompt, and where G, p or 1 - p is 0.
    public static func weight(gradNorm: Double, acceptRate: Double) -> Double {
        gradNorm * (acceptRate * (1 - acceptRate)).squareRoot()
    }

    public func allocate(_ request: AllocationRequest) throws(AllocationError) -> Allocation {
        try request.validate()
        var weights = [Double](repeating: 0, count: request.promptCount)
        for i in weights.indices where !request.isSolved(i) && !request.isHopeless(i) {
            weights[i] = Self.weight(gradNorm: request.gradNorms[i], acceptRate: request.acceptRates[i])
        }
        return try WeightedAllocation.allocate(
            weights: weights, request: request,
            zeroWeightReason: "every prompt has zero weight (solved, hopeless, p of 0 or 1, or a zero gradient norm)")
    }
}
