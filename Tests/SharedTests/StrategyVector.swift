import Foundation
import TestSupport

/// The cases of `strategy-vectors.json`, written by `scripts/strategy_reference.py`
/// from `docs/allocation-strategies.md`. Numbers that must be whole are read
/// as Double, so that a fractional one reaches the check that refuses it.
struct StrategyVectors: Decodable, Sendable {
    var history: [HistoryVector]
    var knapsack: [KnapsackVector]
    var variance: [VarianceVector]

    static func load() throws -> StrategyVectors {
        try JSONDecoder().decode(StrategyVectors.self, from: Fixtures.data("strategy-vectors.json"))
    }
}

struct HistoryVector: Decodable, Sendable, CustomStringConvertible {
    struct Iteration: Decodable, Sendable {
        var correct: [Double]
        var wrong: [Double]
        var normSums: [Double]
        var normCounts: [Double]
    }

    var name: String
    var levels: [Int?]
    var decay: Double
    var priorStrength: Double
    var sigmaMax: Double
    var presamples: Double
    var historyWindow: Double
    var solvedMinSamples: Double
    var hopelessMinSamples: Double
    var iterations: [Iteration]
    var expectError: Bool?
    var expectedCorrect: [Double]?
    var expectedWrong: [Double]?
    var expectedNormSums: [Double]?
    var expectedNormCounts: [Double]?
    var expectedPriorA: [Double]?
    var expectedPriorB: [Double]?
    var expectedA: [Double]?
    var expectedB: [Double]?
    var expectedMean: [Double]?
    var expectedSd: [Double]?
    var expectedGradNorms: [Double]?
    var expectedPresamples: [Int]?
    var expectedSolved: [Bool]?
    var expectedHopeless: [Bool]?

    var description: String { name }
}

struct KnapsackVector: Decodable, Sendable, CustomStringConvertible {
    var name: String
    var acceptRates: [Double]
    var budget: Double
    var maxSamplesPerPrompt: Double
    var knapsackFloor: Double
    var solved: [Bool]?
    var hopeless: [Bool]?
    var expectError: Bool?
    var expectedCounts: [Int]?
    var expectedUnallocated: Int?
    var expectedRatios: [Double]?

    var description: String { name }
}

struct VarianceVector: Decodable, Sendable, CustomStringConvertible {
    var name: String
    var gradNorms: [Double]
    var acceptRates: [Double]
    var budget: Double
    var maxSamplesPerPrompt: Double
    var filterThreshold: Double
    var filterInsufficient: Double
    var excluded: [Bool]?
    var expectError: Bool?
    var expectedCounts: [Int]?
    var expectedUnallocated: Int?
    var expectedRatios: [Double]?

    var description: String { name }
}

/// Numbers match to 1e-9 relative, and exactly where the expected value is 0.
func closeEnough(_ got: Double, _ want: Double) -> Bool {
    want == 0 ? got == 0 : abs(got - want) <= 1e-9 * abs(want)
}
