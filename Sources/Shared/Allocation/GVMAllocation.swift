import Foundation

/// The paper's variance-minimising rule (arXiv 2505.02391):
/// n_i ∝ w_i = G_i / sqrt(p_i + alpha / p_i^(beta - 1)), with the filters,
/// the optional per-prompt cap, rounding and repair exactly as `docs/allocation-rule.md`
/// states them.
public struct GVMAllocation: AllocationStrategy {
    public static let name = "gvm"

    public init() {}

    /// The paper's gvm needs every prompt's pre-sample statistics, so it
    /// cannot run without pre-samples; with history statistics it can.
    public static func validate(_ configuration: RunConfiguration) throws(FieldError) {
        try refuseForeign(configuration, history: false, floor: true)
        if let history = configuration.history {
            try history.validate()
            return
        }
        guard configuration.presamples >= 1 else {
            throw FieldError(
                field: RunConfiguration.CodingKeys.presamples.rawValue,
                problem: "must be at least 1 for strategy \(name), got \(configuration.presamples)")
        }
    }

    /// N' pre-samples for every prompt of the batch, then one allocation;
    /// with history statistics, pre-samples only where the history is unsure.
    public static func needs(for configuration: RunConfiguration) -> StrategyNeeds {
        configuration.history == nil
            ? StrategyNeeds(presamples: .everyPrompt(count: configuration.presamples))
            : StrategyNeeds(presamples: .whereUncertain(count: configuration.presamples), usesHistory: true)
    }

    /// w_i; zero when the prompt had no accepted pre-sample or a zero gradient.
    @inline(__always)
    public static func weight(gradNorm: Double, acceptRate: Double, alpha: Double, beta: Double) -> Double {
        guard gradNorm > 0, acceptRate > 0 else { return 0 }
        // p^0 and p^1 are exact, so the fast paths give the same bits as pow.
        let penalty: Double
        switch beta {
        case 1: penalty = alpha
        case 2: penalty = alpha / acceptRate
        default: penalty = alpha / pow(acceptRate, beta - 1)
        }
        return gradNorm / (acceptRate + penalty).squareRoot()
    }

    public func allocate(_ request: AllocationRequest) throws(AllocationError) -> Allocation {
        try request.validate()
        var weights = [Double](repeating: 0, count: request.promptCount)
        for i in weights.indices {
            weights[i] = Self.weight(
                gradNorm: request.gradNorms[i], acceptRate: request.acceptRates[i],
                alpha: request.alpha, beta: request.beta)
        }
        return try WeightedAllocation.allocate(
            weights: weights, request: request,
            zeroWeightReason: "every prompt has zero weight (no accepted pre-sample, or a zero gradient norm)")
    }
}
