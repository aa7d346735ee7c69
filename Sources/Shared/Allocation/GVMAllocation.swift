import Foundation

/// The paper's variance-minimising rule (arXiv 2505.02391):
/// n_i ∝ w_i = G_i / sqrt(p_i + alpha / p_i^(beta - 1)), with the filters,
/// the optional per-prompt cap, rounding and repair exactly as `docs/allocation-rule.md`
/// states them.
public struct GVMAllocation: AllocationStrategy {
    public static let name = "gvm"

    public init() {}

    /// The weights need every prompt's pre-sample statistics, so gvm cannot
    /// run without pre-samples.
    public static func validate(_ configuration: RunConfiguration) throws(FieldError) {
        guard configuration.presamples >= 1 else {
            throw FieldError(
                field: RunConfiguration.CodingKeys.presamples.rawValue,
                problem: "must be at least 1 for strategy \(name), got \(configuration.presamples)")
        }
    }

    /// N' pre-samples for every prompt of the batch, then one allocation.
    public static func needs(for configuration: RunConfiguration) -> StrategyNeeds {
        StrategyNeeds(presamples: .everyPrompt(count: configuration.presamples))
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
        let count = request.promptCount
        let budget = Double(request.budget)
        var ratios = [Double](repeating: 0, count: count)

        try ratios.withUnsafeMutableBufferPointer { (ratio) throws(AllocationError) in
            request.gradNorms.withUnsafeBufferPointer { norms in
                request.acceptRates.withUnsafeBufferPointer { rates in
                    for i in 0..<count {
                        ratio[i] = Self.weight(
                            gradNorm: norms[i], acceptRate: rates[i],
                            alpha: request.alpha, beta: request.beta)
                    }
                }
            }
            guard Self.normalise(ratio) else {
                throw .nothingAllocatable(
                    reason: "every prompt has zero weight (no accepted pre-sample, or a zero gradient norm)")
            }

            // Both filters look at the ratios before renormalising, in this order.
            request.acceptRates.withUnsafeBufferPointer { rates in
                if request.filterThreshold > 0 {
                    for i in 0..<count where rates[i] > request.filterThreshold {
                        ratio[i] = 0
                    }
                }
                if request.filterInsufficient > 0 {
                    for i in 0..<count where rates[i] * ratio[i] * budget < request.filterInsufficient {
                        ratio[i] = 0
                    }
                }
            }
            guard Self.normalise(ratio) else {
                throw .nothingAllocatable(reason: "the filters removed every prompt")
            }
        }

        let shares = CapWaterFilling.shares(ratios: ratios, budget: request.budget, cap: request.maxSamplesPerPrompt)
        let counts = BudgetRounding.counts(forScaled: shares.scaled, total: request.budget - shares.unallocated)
        // Without a binding cap the reported ratios are the renormalised ones
        // themselves; with a cap, scaled_i / N (they sum to 1 - U/N).
        if request.maxSamplesPerPrompt > 0, request.budget > 0 {
            for i in 0..<count { ratios[i] = shares.scaled[i] / budget }
        }
        return Allocation(counts: counts, ratios: ratios, unallocated: shares.unallocated)
    }

    /// Divides every value by their sum. Returns false, leaving the values
    /// untouched, when the sum is zero.
    private static func normalise(_ values: UnsafeMutableBufferPointer<Double>) -> Bool {
        var sum = 0.0
        var largest = 0.0
        for value in values {
            sum += value
            largest = max(largest, value)
        }
        guard sum > 0 else { return false }
        if sum.isFinite {
            for i in values.indices { values[i] /= sum }
            return true
        }
        // Weights near the top of the double range overflow the sum; rescaling
        // by the largest one keeps every ratio finite. Infinite weights (a rate
        // so small that its square root underflows) share everything.
        if largest.isInfinite {
            let infinite = Double(values.lazy.filter(\.isInfinite).count)
            for i in values.indices { values[i] = values[i].isInfinite ? 1 / infinite : 0 }
            return true
        }
        for i in values.indices { values[i] /= largest }
        return normalise(values)
    }
}
