/// The baseline: floor(N/m) samples for every prompt, and the remainder one
/// each to the lowest prompt indices. Statistics are not consulted.
public struct UniformAllocation: AllocationStrategy {
    public static let name = "uniform"

    public init() {}

    /// Uniform draws no pre-samples, so there are none to count toward the budget.
    public static func validate(_ configuration: RunConfiguration) throws(FieldError) {
        try refuseForeign(configuration, history: true, floor: true)
        guard configuration.presampleAccounting != .countTowardBudget else {
            throw FieldError(
                field: RunConfiguration.CodingKeys.presampleAccounting.rawValue,
                problem: "countTowardBudget counts pre-samples, which strategy \(name) does not draw")
        }
    }

    /// Statistics are not consulted: the budget is split as soon as the batch is known.
    public static func needs(for configuration: RunConfiguration) -> StrategyNeeds {
        StrategyNeeds(presamples: .none)
    }

    public func allocate(_ request: AllocationRequest) throws(AllocationError) -> Allocation {
        try request.validate()
        return Self.allocate(promptCount: request.promptCount, budget: request.budget, cap: request.maxSamplesPerPrompt)
    }

    /// Uniform allocation needs only the number of prompts; the coordinator
    /// uses this directly when an iteration falls back to uniform. With a cap
    /// C and m * C <= N, every prompt gets C and N - m * C stays unallocated;
    /// otherwise floor(N/m) + 1 <= C already.
    public static func allocate(promptCount: Int, budget: Int, cap: Int = 0) -> Allocation {
        precondition(promptCount > 0 && budget >= 0 && cap >= 0, "uniform allocation needs prompts, a budget >= 0 and a cap >= 0")
        let (holdable, overflow) = promptCount.multipliedReportingOverflow(by: cap)
        if cap > 0, !overflow, holdable <= budget {
            let ratio = Double(cap) / Double(budget)
            return Allocation(
                counts: [Int](repeating: cap, count: promptCount), ratios: [Double](repeating: ratio, count: promptCount),
                unallocated: budget - holdable)
        }
        let base = budget / promptCount
        let remainder = budget % promptCount
        var counts = [Int](repeating: base, count: promptCount)
        for i in 0..<remainder { counts[i] += 1 }
        // A zero budget has no meaningful ratio; report zeros rather than 0/0.
        let ratios = budget > 0 ? counts.map { Double($0) / Double(budget) } : counts.map { _ in 0 }
        return Allocation(counts: counts, ratios: ratios)
    }
}
