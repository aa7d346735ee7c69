/// Knapsack RL's rule (arXiv 2509.25849): maximise the sum over prompts of
/// value(p_i, n_i) = (1 - p^n - (1-p)^n) * p * (1-p)^2, the chance that a
/// GRPO group of n has a spread of rewards times the size of its gradient,
/// with a floor per prompt and the cap, by greedy marginal gains. The exact
/// rule, its order of operations and its ties are in
/// `docs/allocation-strategies.md#knapsack`.
public struct KnapsackAllocation: AllocationStrategy {
    public static let name = "knapsack"
    /// f: two samples, the smallest group that can show a spread of rewards.
    public static let defaultFloor = 2

    public init() {}

    /// p_i comes from the history, so a run needs history parameters (they
    /// are resolved to their defaults when a run names none) and a floor.
    /// The filters belong to the weighted rules; knapsack has its solved and
    /// hopeless prompts instead, so non-zero filters are refused.
    public static func validate(_ configuration: RunConfiguration) throws(FieldError) {
        try HistoryParameters.require(configuration, strategy: name)
        let floor = configuration.knapsackFloor ?? defaultFloor
        guard floor >= 1 else {
            throw FieldError(field: RunConfiguration.CodingKeys.knapsackFloor.rawValue, problem: "must be a whole number >= 1, got \(floor)")
        }
        for (field, value) in [
            (RunConfiguration.CodingKeys.filterThreshold, configuration.filterThreshold),
            (.filterInsufficient, configuration.filterInsufficient),
        ] where value != 0 {
            throw FieldError(
                field: field.rawValue,
                problem: "strategy \(name) takes no filters (it leaves out solved prompts instead); it must be 0, got \(value)")
        }
    }

    public static func resolve(_ configuration: inout RunConfiguration) {
        if configuration.history == nil { configuration.history = .defaults }
        if configuration.knapsackFloor == nil { configuration.knapsackFloor = defaultFloor }
    }

    /// Pre-samples for the prompts the history is unsure of, then one allocation.
    public static func needs(for configuration: RunConfiguration) -> StrategyNeeds {
        StrategyNeeds(presamples: .whereUncertain(count: configuration.presamples), usesHistory: true)
    }

    /// value(p, n); 0 for n = 0. Powers are left-to-right products, as the rule asks.
    public static func value(acceptRate p: Double, samples n: Int) -> Double {
        guard n > 0 else { return 0 }
        let q = 1 - p
        var pn = 1.0
        var qn = 1.0
        for _ in 0..<n {
            pn = pn * p
            qn = qn * q
        }
        return value(p: p, q: q, pn: pn, qn: qn)
    }

    @inline(__always)
    static func value(p: Double, q: Double, pn: Double, qn: Double) -> Double {
        ((1 - pn) - qn) * ((p * q) * q)
    }

    public func allocate(_ request: AllocationRequest) throws(AllocationError) -> Allocation {
        try request.validate()
        guard request.knapsackFloor >= 1 else {
            throw .invalidField(field: "knapsackFloor", problem: "must be a whole number >= 1, got \(request.knapsackFloor)")
        }
        let count = request.promptCount
        let budget = request.budget
        let cap = request.maxSamplesPerPrompt
        let active = (0..<count).filter { !request.isSolved($0) }
        guard !active.isEmpty else {
            throw .nothingAllocatable(reason: "every prompt is solved")
        }
        // A cap below the floor wins.
        let floor = cap > 0 ? min(request.knapsackFloor, cap) : request.knapsackFloor
        var counts = [Int](repeating: 0, count: count)

        // Floors that do not fit: whole floors to the first prompts, since a
        // group smaller than the floor gives GRPO no signal.
        let (floors, overflow) = active.count.multipliedReportingOverflow(by: floor)
        if overflow || floors > budget {
            let given = budget / floor
            for i in active.prefix(given) { counts[i] = floor }
            return Self.allocation(counts: counts, budget: budget, unallocated: budget - given * floor)
        }
        for i in active { counts[i] = floor }
        var remaining = budget - floors

        // Greedy by marginal gain. Only the chosen prompt's gain changes in a
        // step, so a heap gives the same choices as rescanning every prompt:
        // the largest gain, compared exactly, ties to the lower index.
        var heap = GainHeap()
        var state = [PowerState](repeating: PowerState(), count: count)
        for i in active where !request.isHopeless(i) && (cap == 0 || counts[i] < cap) {
            state[i] = PowerState(acceptRate: request.acceptRates[i], samples: counts[i])
            heap.push(gain: state[i].gain, prompt: i)
        }
        while remaining > 0, let chosen = heap.popLargest() {
            counts[chosen] += 1
            remaining -= 1
            state[chosen].advance()
            if cap == 0 || counts[chosen] < cap {
                heap.push(gain: state[chosen].gain, prompt: chosen)
            }
        }
        return Self.allocation(counts: counts, budget: budget, unallocated: remaining)
    }

    private static func allocation(counts: [Int], budget: Int, unallocated: Int) -> Allocation {
        let ratios = budget > 0 ? counts.map { Double($0) / Double(budget) } : counts.map { _ in 0.0 }
        return Allocation(counts: counts, ratios: ratios, unallocated: unallocated)
    }

    /// A prompt's p^n and q^n at its current n, advanced one factor at a
    /// time so that they equal the rule's left-to-right products exactly.
    struct PowerState {
        var p = 0.0
        var q = 1.0
        var n = 0
        var pn = 1.0
        var qn = 1.0

        init() {}

        init(acceptRate: Double, samples: Int) {
            p = acceptRate
            q = 1 - acceptRate
            for _ in 0..<samples { advance() }
        }

        mutating func advance() {
            n += 1
            pn = pn * p
            qn = qn * q
        }

        /// gain(p, n) = value(p, n + 1) - value(p, n).
        var gain: Double {
            let next = KnapsackAllocation.value(p: p, q: q, pn: pn * p, qn: qn * q)
            return next - (n == 0 ? 0 : KnapsackAllocation.value(p: p, q: q, pn: pn, qn: qn))
        }
    }

    /// A binary max-heap of (gain, prompt): larger gain first, then lower prompt.
    struct GainHeap {
        private var items: [(gain: Double, prompt: Int)] = []

        private static func before(_ a: (gain: Double, prompt: Int), _ b: (gain: Double, prompt: Int)) -> Bool {
            a.gain > b.gain || (a.gain == b.gain && a.prompt < b.prompt)
        }

        mutating func push(gain: Double, prompt: Int) {
            items.append((gain, prompt))
            var child = items.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard Self.before(items[child], items[parent]) else { break }
                items.swapAt(child, parent)
                child = parent
            }
        }

        mutating func popLargest() -> Int? {
            guard let top = items.first else { return nil }
            let last = items.removeLast()
            if !items.isEmpty {
                items[0] = last
                var parent = 0
                while true {
                    let left = 2 * parent + 1
                    let right = left + 1
                    var best = parent
                    if left < items.count, Self.before(items[left], items[best]) { best = left }
                    if right < items.count, Self.before(items[right], items[best]) { best = right }
                    if best == parent { break }
                    items.swapAt(parent, best)
                    parent = best
                }
            }
            return top.prompt
        }
    }
}
