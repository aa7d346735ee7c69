import Foundation
import Testing
@testable import Shared

/// The Swift library against `strategy-vectors.json`, which an independent
/// numpy reading of `docs/allocation-strategies.md` wrote.
@Suite("Strategy conformance vectors")
struct StrategyVectorTests {
    static let vectors = try! StrategyVectors.load()

    @Test("the fixture holds the hand-worked cases, refusals and random cases of every list")
    func fixtureIsComplete() {
        let v = Self.vectors
        #expect(v.history.count == 43 && v.knapsack.count == 51 && v.variance.count == 45)
        for prefix in ["hand-history-", "hand-knapsack-", "hand-variance-"] {
            let names = v.history.map(\.name) + v.knapsack.map(\.name) + v.variance.map(\.name)
            #expect(names.filter { $0.hasPrefix(prefix) }.count == 3, "three hand-worked cases \(prefix)*")
        }
        #expect(v.history.contains { $0.expectError == true })
        #expect(v.knapsack.contains { $0.expectError == true })
        #expect(v.variance.contains { $0.expectError == true })
    }

    static func records(_ vector: HistoryVector) -> [PromptIterationCounts] {
        vector.iterations.enumerated().flatMap { iteration, counts in
            vector.levels.indices.map { prompt in
                PromptIterationCounts(
                    iteration: iteration, promptId: prompt, correct: Int(counts.correct[prompt]),
                    wrong: Int(counts.wrong[prompt]), normSum: counts.normSums[prompt], normCount: Int(counts.normCounts[prompt]))
            }
        }
    }

    static func parameters(_ vector: HistoryVector) -> HistoryParameters? {
        guard let window = Int(exactly: vector.historyWindow), let solved = Int(exactly: vector.solvedMinSamples),
              let hopeless = Int(exactly: vector.hopelessMinSamples)
        else { return nil }
        return HistoryParameters(
            decay: vector.decay, priorStrength: vector.priorStrength, sigmaMax: vector.sigmaMax,
            historyWindow: window, solvedMinSamples: solved, hopelessMinSamples: hopeless)
    }

    @Test("history statistics match the reference", arguments: Self.vectors.history)
    func history(_ vector: HistoryVector) throws {
        let parameters = Self.parameters(vector)
        if vector.expectError == true {
            if let parameters { #expect(throws: FieldError.self) { try parameters.validate() } }
            return
        }
        let valid = try #require(parameters)
        try valid.validate()
        let levels = vector.levels
        let estimates = HistoryStatistics.estimates(
            prompts: Array(levels.indices), records: Self.records(vector), currentIteration: vector.iterations.count - 1,
            level: { levels[$0] }, parameters: valid, presamples: Int(vector.presamples))
        func check(_ name: String, _ got: [Double], _ want: [Double]?) throws {
            let want = try #require(want)
            try #require(got.count == want.count)
            for i in got.indices {
                #expect(closeEnough(got[i], want[i]), "\(name)[\(i)]: \(got[i]) vs \(want[i])")
            }
        }
        try check("correct", estimates.map(\.correct), vector.expectedCorrect)
        try check("wrong", estimates.map(\.wrong), vector.expectedWrong)
        try check("normSums", estimates.map(\.normSum), vector.expectedNormSums)
        try check("normCounts", estimates.map(\.normCount), vector.expectedNormCounts)
        try check("priorA", estimates.map(\.priorA), vector.expectedPriorA)
        try check("priorB", estimates.map(\.priorB), vector.expectedPriorB)
        try check("a", estimates.map(\.posteriorA), vector.expectedA)
        try check("b", estimates.map(\.posteriorB), vector.expectedB)
        try check("mean", estimates.map(\.mean), vector.expectedMean)
        try check("sd", estimates.map(\.sd), vector.expectedSd)
        try check("gradNorms", estimates.map(\.gradNorm), vector.expectedGradNorms)
        #expect(estimates.map { $0.uncertain ? Int(vector.presamples) : 0 } == vector.expectedPresamples)
        #expect(estimates.map(\.solved) == vector.expectedSolved)
        #expect(estimates.map(\.hopeless) == vector.expectedHopeless)
    }

    static func check(_ allocation: Allocation, counts: [Int]?, unallocated: Int?, ratios: [Double]?, budget: Int) throws {
        #expect(allocation.counts == counts)
        #expect(allocation.unallocated == unallocated)
        #expect(allocation.counts.reduce(0, +) == budget - allocation.unallocated)
        let want = try #require(ratios)
        try #require(allocation.ratios.count == want.count)
        for i in want.indices {
            #expect(closeEnough(allocation.ratios[i], want[i]), "ratio \(i): \(allocation.ratios[i]) vs \(want[i])")
        }
    }

    @Test("knapsack allocations match the reference", arguments: Self.vectors.knapsack)
    func knapsack(_ vector: KnapsackVector) throws {
        guard let budget = Int(exactly: vector.budget), let cap = Int(exactly: vector.maxSamplesPerPrompt),
              let floor = Int(exactly: vector.knapsackFloor)
        else {
            #expect(vector.expectError == true, "a fractional number must be a refused case")
            return
        }
        let request = AllocationRequest(
            gradNorms: vector.acceptRates.map { _ in 1 }, acceptRates: vector.acceptRates, budget: budget,
            maxSamplesPerPrompt: cap, solved: vector.solved ?? [], hopeless: vector.hopeless ?? [], knapsackFloor: floor)
        if vector.expectError == true {
            #expect(throws: AllocationError.self) { try KnapsackAllocation().allocate(request) }
            return
        }
        try Self.check(
            KnapsackAllocation().allocate(request), counts: vector.expectedCounts, unallocated: vector.expectedUnallocated,
            ratios: vector.expectedRatios, budget: budget)
    }

    @Test("variance allocations match the reference", arguments: Self.vectors.variance)
    func variance(_ vector: VarianceVector) throws {
        guard let budget = Int(exactly: vector.budget), let cap = Int(exactly: vector.maxSamplesPerPrompt) else {
            #expect(vector.expectError == true, "a fractional number must be a refused case")
            return
        }
        // `excluded` is solved or hopeless: variance treats both alike.
        let request = AllocationRequest(
            gradNorms: vector.gradNorms, acceptRates: vector.acceptRates, budget: budget,
            filterThreshold: vector.filterThreshold, filterInsufficient: vector.filterInsufficient,
            maxSamplesPerPrompt: cap, solved: vector.excluded ?? [])
        if vector.expectError == true {
            #expect(throws: AllocationError.self) { try VarianceAllocation().allocate(request) }
            return
        }
        try Self.check(
            VarianceAllocation().allocate(request), counts: vector.expectedCounts, unallocated: vector.expectedUnallocated,
            ratios: vector.expectedRatios, budget: budget)
    }
}
