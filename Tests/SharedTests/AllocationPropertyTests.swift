import Testing
@testable import Shared

@Suite("Allocation properties")
struct AllocationPropertyTests {
    /// The repair spelled out the slow way: sort every residual.
    static func referenceCounts(ratios: [Double], budget: Int) -> [Int] {
        let scaled = ratios.map { $0 * Double(budget) }
        var counts = scaled.map { Int($0.rounded(.toNearestOrEven)) }
        let residuals = zip(scaled, counts).map { $0 - Double($1) }
        let missing = budget - counts.reduce(0, +)
        let order = residuals.indices.sorted { a, b in
            if residuals[a] != residuals[b] {
                return missing > 0 ? residuals[a] > residuals[b] : residuals[a] < residuals[b]
            }
            return a < b
        }
        for i in order.prefix(abs(missing)) { counts[i] += missing > 0 ? 1 : -1 }
        return counts
    }

    @Test("the partial-selection repair equals a full sort, ties included", arguments: 0..<40)
    func repairMatchesSort(seed: Int) throws {
        var generator = SplitMix64(seed: UInt64(seed))
        let count = Int.random(in: 1...300, using: &generator)
        // Coarse values make many exact ties in weights and residuals.
        let norms = (0..<count).map { _ in Double(Int.random(in: 0...3, using: &generator)) }
        let rates = (0..<count).map { _ in Double(Int.random(in: 0...4, using: &generator)) / 4 }
        let budget = Int.random(in: 0...(count * 9), using: &generator)
        let request = AllocationRequest(gradNorms: norms, acceptRates: rates, budget: budget)
        guard let allocation = try? GVMAllocation().allocate(request) else {
            #expect(norms.indices.allSatisfy { norms[$0] == 0 || rates[$0] == 0 })
            return
        }
        #expect(allocation.counts.reduce(0, +) == budget)
        #expect(allocation.counts == Self.referenceCounts(ratios: allocation.ratios, budget: budget))
        #expect(allocation.counts.allSatisfy { $0 >= 0 })
    }

    @Test("counts sum to the budget and follow the weights on large random inputs", arguments: [1_000, 50_000])
    func largeRandom(count: Int) throws {
        var generator = SplitMix64(seed: 7)
        let norms = (0..<count).map { _ in Double.random(in: 0...5, using: &generator) }
        let rates = (0..<count).map { _ in Double(Int.random(in: 0...8, using: &generator)) / 8 }
        let request = AllocationRequest(
            gradNorms: norms, acceptRates: rates, budget: 8 * count,
            filterThreshold: 0.99, filterInsufficient: 0.5)
        let allocation = try GVMAllocation().allocate(request)
        #expect(allocation.counts.reduce(0, +) == 8 * count)
        #expect(abs(allocation.ratios.reduce(0, +) - 1) < 1e-9)
        for i in 0..<count {
            #expect(abs(Double(allocation.counts[i]) - allocation.ratios[i] * Double(8 * count)) < 1 + 1e-9)
            if rates[i] > 0.99 || rates[i] == 0 { #expect(allocation.counts[i] == 0) }
        }
    }

    @Test("a zero budget gives zero counts with finite ratios")
    func zeroBudget() throws {
        let request = AllocationRequest(gradNorms: [1, 2], acceptRates: [0.5, 0.25], budget: 0)
        let gvm = try GVMAllocation().allocate(request)
        #expect(gvm.counts == [0, 0])
        #expect(gvm.ratios.allSatisfy { $0.isFinite })
        let uniform = try UniformAllocation().allocate(request)
        #expect(uniform.counts == [0, 0])
        #expect(uniform.ratios == [0, 0])
    }

    @Test("extreme magnitudes give finite ratios and exact totals")
    func extremes() throws {
        let overflow = try GVMAllocation().allocate(
            AllocationRequest(gradNorms: [1e308, 1e308, 1], acceptRates: [0.5, 0.5, 0.5], budget: 10))
        #expect(overflow.ratios.allSatisfy { $0.isFinite })
        #expect(overflow.counts == [5, 5, 0])

        let tinyRate = try GVMAllocation().allocate(
            AllocationRequest(gradNorms: [1, 1], acceptRates: [.leastNonzeroMagnitude, 0.5], alpha: 0, beta: 1, budget: 3))
        #expect(tinyRate.ratios.allSatisfy { $0.isFinite })
        #expect(tinyRate.counts.reduce(0, +) == 3)
    }

    @Test("filters that remove every prompt are refused, not divided by zero")
    func filtersRemoveAll() {
        let request = AllocationRequest(
            gradNorms: [1, 1], acceptRates: [1, 1], budget: 8, filterThreshold: 0.9)
        #expect(throws: AllocationError.nothingAllocatable(reason: "the filters removed every prompt")) {
            try GVMAllocation().allocate(request)
        }
        let starving = AllocationRequest(
            gradNorms: [1, 1], acceptRates: [0.01, 0.01], budget: 8, filterInsufficient: 1)
        #expect(throws: AllocationError.self) { try GVMAllocation().allocate(starving) }
    }

    @Test("invalid requests name the field", arguments: [
        (AllocationRequest(gradNorms: [1], acceptRates: [0.5, 0.5], budget: 4), "gradNorms"),
        (AllocationRequest(gradNorms: [.nan], acceptRates: [0.5], budget: 4), "gradNorms[0]"),
        (AllocationRequest(gradNorms: [.infinity], acceptRates: [0.5], budget: 4), "gradNorms[0]"),
        (AllocationRequest(gradNorms: [1], acceptRates: [.nan], budget: 4), "acceptRates[0]"),
        (AllocationRequest(gradNorms: [1], acceptRates: [0.5], alpha: .infinity, budget: 4), "alpha"),
        (AllocationRequest(gradNorms: [1], acceptRates: [0.5], beta: .nan, budget: 4), "beta"),
        (AllocationRequest(gradNorms: [1], acceptRates: [0.5], budget: -1), "budget"),
        (AllocationRequest(gradNorms: [1], acceptRates: [0.5], budget: 4, filterInsufficient: .nan), "filterInsufficient"),
    ])
    func invalid(_ request: AllocationRequest, field: String) {
        for strategy in AllocationStrategyName.allCases {
            #expect(throws: AllocationError.self) { try strategy.strategy.allocate(request) }
            do {
                _ = try strategy.strategy.allocate(request)
            } catch {
                #expect(error.field == field)
            }
        }
    }

    @Test("the weight reduces to G/sqrt(p) and G/sqrt(p + alpha) as the spec says")
    func weightSpecialCases() {
        #expect(GVMAllocation.weight(gradNorm: 2, acceptRate: 0.25, alpha: 0, beta: 2) == 2 / 0.5)
        #expect(GVMAllocation.weight(gradNorm: 2, acceptRate: 0.25, alpha: 0.75, beta: 1) == 2)
        #expect(GVMAllocation.weight(gradNorm: 0, acceptRate: 0.25, alpha: 0.1, beta: 2) == 0)
        #expect(GVMAllocation.weight(gradNorm: 3, acceptRate: 0, alpha: 0.1, beta: 2) == 0)
    }
}
