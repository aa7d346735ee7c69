import Testing
@testable import Shared

/// Properties of `knapsack` and `variance` on random inputs, and of the
/// history statistics over random runs: what every allocation must hold
/// whatever its numbers.
@Suite("Allocation strategies: properties")
struct StrategyPropertyTests {
    struct Case {
        var rates: [Double]
        var norms: [Double]
        var solved: [Bool]
        var hopeless: [Bool]
        var budget: Int
        var cap: Int
        var floor: Int
    }

    static func randomCase(seed: Int) -> Case {
        var generator = SplitMix64(seed: UInt64(seed))
        let count = Int.random(in: 1...60, using: &generator)
        // Coarse rates give exact ties and p of 0 and 1.
        let rates = (0..<count).map { _ in Double(Int.random(in: 0...8, using: &generator)) / 8 }
        let norms = (0..<count).map { _ in Double.random(in: 0...4, using: &generator) }
        var solved = (0..<count).map { _ in Int.random(in: 0..<6, using: &generator) == 0 }
        let hopeless = (0..<count).map { i in !solved[i] && Int.random(in: 0..<6, using: &generator) == 0 }
        if solved.allSatisfy({ $0 }) { solved[0] = false }
        return Case(
            rates: rates, norms: norms, solved: solved, hopeless: hopeless,
            budget: Int.random(in: 0...(count * 12), using: &generator),
            cap: [0, 0, 3, 8, 20][Int.random(in: 0..<5, using: &generator)],
            floor: Int.random(in: 1...4, using: &generator))
    }

    static func request(_ c: Case) -> AllocationRequest {
        AllocationRequest(
            gradNorms: c.norms, acceptRates: c.rates, budget: c.budget, maxSamplesPerPrompt: c.cap,
            solved: c.solved, hopeless: c.hopeless, knapsackFloor: c.floor)
    }

    @Test("knapsack: the counts are the budget less unallocated, floors and caps hold, solved get 0 and hopeless the floor",
          arguments: 0..<200)
    func knapsack(seed: Int) throws {
        let c = Self.randomCase(seed: seed)
        let allocation = try KnapsackAllocation().allocate(Self.request(c))
        #expect(allocation.counts.reduce(0, +) == c.budget - allocation.unallocated)
        #expect(allocation.unallocated >= 0)
        let floor = c.cap > 0 ? min(c.floor, c.cap) : c.floor
        let active = c.solved.indices.filter { !c.solved[$0] }
        let floorsFit = active.count * floor <= c.budget
        for i in c.rates.indices {
            if c.cap > 0 { #expect(allocation.counts[i] <= c.cap) }
            if c.solved[i] {
                #expect(allocation.counts[i] == 0)
            } else if floorsFit {
                #expect(allocation.counts[i] >= floor)
                if c.hopeless[i] { #expect(allocation.counts[i] == floor) }
            } else {
                // Whole floors or nothing, never a group smaller than the floor.
                #expect(allocation.counts[i] == 0 || allocation.counts[i] == floor)
            }
        }
        // Budget is left over only when nothing can take it.
        if floorsFit, allocation.unallocated > 0 {
            #expect(active.allSatisfy { c.hopeless[$0] || (c.cap > 0 && allocation.counts[$0] == c.cap) })
        }
        if !floorsFit { #expect(allocation.unallocated < floor) }
        #expect(try KnapsackAllocation().allocate(Self.request(c)) == allocation)
    }

    @Test("knapsack's greedy is optimal: no single move of a sample between open prompts raises the total value",
          arguments: 0..<60)
    func knapsackOptimal(seed: Int) throws {
        var c = Self.randomCase(seed: seed)
        c.solved = c.solved.map { _ in false }
        c.hopeless = c.hopeless.map { _ in false }
        c.budget = max(c.budget, c.rates.count * c.floor)
        let allocation = try KnapsackAllocation().allocate(Self.request(c))
        func value(_ counts: [Int]) -> Double {
            zip(c.rates, counts).reduce(0) { $0 + KnapsackAllocation.value(acceptRate: $1.0, samples: $1.1) }
        }
        let best = value(allocation.counts)
        let floor = c.cap > 0 ? min(c.floor, c.cap) : c.floor
        for from in c.rates.indices where allocation.counts[from] > floor {
            for to in c.rates.indices where to != from && (c.cap == 0 || allocation.counts[to] < c.cap) {
                var moved = allocation.counts
                moved[from] -= 1
                moved[to] += 1
                #expect(value(moved) <= best + 1e-12, "moving one sample from \(from) to \(to)")
            }
        }
    }

    @Test("variance: the counts are the budget less unallocated, caps hold, solved and hopeless get 0, and it is deterministic",
          arguments: 0..<200)
    func variance(seed: Int) throws {
        let c = Self.randomCase(seed: seed)
        let request = Self.request(c)
        guard let allocation = try? VarianceAllocation().allocate(request) else {
            // Refused only when nothing is allocatable.
            #expect(c.rates.indices.allSatisfy {
                c.solved[$0] || c.hopeless[$0] || c.norms[$0] == 0 || c.rates[$0] == 0 || c.rates[$0] == 1
            })
            return
        }
        #expect(allocation.counts.reduce(0, +) == c.budget - allocation.unallocated)
        for i in c.rates.indices {
            if c.cap > 0 { #expect(allocation.counts[i] <= c.cap) }
            if c.solved[i] || c.hopeless[i] || c.rates[i] == 0 || c.rates[i] == 1 { #expect(allocation.counts[i] == 0) }
        }
        if c.cap == 0 { #expect(allocation.unallocated == 0) }
        #expect(try VarianceAllocation().allocate(request) == allocation)
    }

    @Test("history: the same counts in any order give the same estimates, and so the same allocation", arguments: 0..<30)
    func historyDeterministic(seed: Int) throws {
        var generator = SplitMix64(seed: UInt64(seed))
        let prompts = Int.random(in: 1...12, using: &generator)
        let iterations = Int.random(in: 1...6, using: &generator)
        let levels = (0..<prompts).map { _ in Int.random(in: 0...3, using: &generator) == 0 ? nil : Int.random(in: 1...3, using: &generator) }
        var records: [PromptIterationCounts] = []
        for t in 0..<iterations {
            for p in 0..<prompts where Int.random(in: 0...2, using: &generator) > 0 {
                let correct = Int.random(in: 0...8, using: &generator)
                records.append(PromptIterationCounts(
                    iteration: t, promptId: p, correct: correct, wrong: Int.random(in: 0...8, using: &generator),
                    normSum: Double(correct) * Double.random(in: 0.5...3, using: &generator), normCount: correct))
            }
        }
        let shuffled = records.shuffled(using: &generator)
        func estimates(_ records: [PromptIterationCounts]) -> [PromptEstimate] {
            HistoryStatistics.estimates(
                prompts: Array(0..<prompts), records: records, currentIteration: iterations - 1, level: { levels[$0] },
                parameters: .defaults, presamples: 8)
        }
        let first = estimates(records)
        #expect(estimates(shuffled).map(\.posteriorA) == first.map(\.posteriorA))
        #expect(estimates(shuffled).map(\.gradNorm) == first.map(\.gradNorm))
        let request = AllocationRequest(
            gradNorms: first.map(\.gradNorm), acceptRates: first.map(\.mean), budget: 8 * prompts,
            solved: first.map(\.solved), hopeless: first.map(\.hopeless))
        let again = estimates(shuffled)
        let repeated = AllocationRequest(
            gradNorms: again.map(\.gradNorm), acceptRates: again.map(\.mean), budget: 8 * prompts,
            solved: again.map(\.solved), hopeless: again.map(\.hopeless))
        let allocation = try? KnapsackAllocation().allocate(request)
        #expect(allocation == (try? KnapsackAllocation().allocate(repeated)))
    }

    @Test("history: idle iterations decay every tally by λ each, until the prompt is uncertain and pre-sampled again",
          arguments: [0.5, 0.8, 0.9, 1.0])
    func decay(lambda: Double) throws {
        var parameters = HistoryParameters.defaults
        parameters.decay = lambda
        let seen = PromptIterationCounts(iteration: 0, promptId: 0, correct: 10, wrong: 6, normSum: 25, normCount: 10)
        var previous: PromptEstimate?
        var returned: Int?
        for idle in 0...40 {
            let estimate = try #require(HistoryStatistics.estimates(
                prompts: [0], records: [seen], currentIteration: idle, level: { _ in nil }, parameters: parameters,
                presamples: 8).first)
            var expected = 10.0
            for _ in 0..<idle { expected = lambda * expected }
            #expect(abs(estimate.correct - expected) <= 1e-12 * 10)
            #expect(abs(estimate.wrong - expected * 0.6) <= 1e-12 * 10)
            #expect(abs(estimate.gradNorm - 2.5) <= 1e-12, "S/V keeps its ratio under decay")
            if let previous {
                #expect(estimate.sd >= previous.sd, "the posterior widens as it decays")
            }
            if estimate.uncertain, returned == nil { returned = idle }
            previous = estimate
        }
        if lambda < 1 {
            let back = try #require(returned, "a decaying prompt must come back to pre-sampling")
            #expect(back > 0)
        } else {
            #expect(returned == nil, "without decay the prompt stays certain")
        }
    }
}
