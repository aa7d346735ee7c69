/// Steps 3.1 to 3.8 of `docs/allocation-rule.md`, shared by every rule that
/// allocates in proportion to per-prompt weights (`gvm`, `variance`):
/// normalise, filter, renormalise, water-fill under the cap, round and repair.
/// Each rule computes its weights; this turns them into counts.
enum WeightedAllocation {
    /// `zeroWeightReason` says why every weight can be zero for this rule.
    static func allocate(
        weights: [Double], request: AllocationRequest, zeroWeightReason: String
    ) throws(AllocationError) -> Allocation {
        let count = weights.count
        let budget = Double(request.budget)
        var ratios = weights

        try ratios.withUnsafeMutableBufferPointer { (ratio) throws(AllocationError) in
            guard normalise(ratio) else {
                throw .nothingAllocatable(reason: zeroWeightReason)
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
            guard normalise(ratio) else {
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
