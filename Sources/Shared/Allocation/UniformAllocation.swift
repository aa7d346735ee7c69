/// The baseline: floor(N/m) samples for every prompt, and the remainder one
/// each to the lowest prompt indices. Statistics are not consulted.
public struct UniformAllocation: AllocationStrategy {
    public static let name = "uniform"

    public init() {}

    public func allocate(_ request: AllocationRequest) throws(AllocationError) -> Allocation {
        try request.validate()
        return Self.allocate(promptCount: request.promptCount, budget: request.budget)
    }

    /// Uniform allocation needs only the number of prompts; the coordinator
    /// uses this directly when an iteration falls back to uniform.
    public static func allocate(promptCount: Int, budget: Int) -> Allocation {
        precondition(promptCount > 0 && budget >= 0, "uniform allocation needs prompts and a budget >= 0")
        let base = budget / promptCount
        let remainder = budget % promptCount
        var counts = [Int](repeating: base, count: promptCount)
        for i in 0..<remainder { counts[i] += 1 }
        // A zero budget has no meaningful ratio; report zeros rather than 0/0.
        let ratios = budget > 0 ? counts.map { Double($0) / Double(budget) } : counts.map { _ in 0 }
        return Allocation(counts: counts, ratios: ratios)
    }
}
