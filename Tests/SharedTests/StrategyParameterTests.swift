import Foundation
import Testing
@testable import Shared

/// The parameters of the history and of `knapsack`: resolved once, when a
/// run is made; refused by name when out of range or foreign to the strategy.
@Suite("Allocation strategies: parameters")
struct StrategyParameterTests {
    static func decode(_ json: String) throws(FieldError) -> RunConfiguration {
        try JSONInput.decode(RunConfiguration.self, from: Data(json.utf8))
    }

    static func refusal(_ json: String) -> FieldError? {
        do {
            try decode(json).validate()
            return nil
        } catch {
            return error
        }
    }

    static let base = #""dataset":"d","model":"m","promptsPerIteration":4"#

    @Test("knapsack and variance resolve the history's defaults, and knapsack its floor; gvm and uniform resolve nothing")
    func resolution() throws {
        let knapsack = try Self.decode(#"{\#(Self.base),"strategy":"knapsack"}"#)
        #expect(knapsack.history == .defaults && knapsack.knapsackFloor == 2)
        let variance = try Self.decode(#"{\#(Self.base),"strategy":"variance","history":{"decay":0.5}}"#)
        var expected = HistoryParameters.defaults
        expected.decay = 0.5
        #expect(variance.history == expected && variance.knapsackFloor == nil)
        for strategy in ["gvm", "uniform"] {
            let configuration = try Self.decode(#"{\#(Self.base),"strategy":"\#(strategy)"}"#)
            #expect(configuration.history == nil && configuration.knapsackFloor == nil)
        }
        // Stored resolved: the encoded form carries every value, so a later default cannot change it.
        let stored = try JSONSerialization.jsonObject(with: JSONEncoder().encode(knapsack)) as? [String: Any]
        let history = try #require(stored?["history"] as? [String: Any])
        #expect(Set(history.keys) == Set(HistoryParameters.CodingKeys.allCases.map(\.rawValue)))
        #expect(stored?["knapsackFloor"] as? Int == 2)
        #expect(try JSONDecoder().decode(RunConfiguration.self, from: JSONEncoder().encode(knapsack)) == knapsack)
    }

    @Test("the needs follow the history: pre-samples where unsure, and none at all with N' = 0")
    func needs() throws {
        let knapsack = try Self.decode(#"{\#(Self.base),"strategy":"knapsack","presamples":6}"#)
        #expect(knapsack.strategyNeeds == StrategyNeeds(presamples: .whereUncertain(count: 6), usesHistory: true))
        let gvm = try Self.decode(#"{\#(Self.base),"history":{},"presamples":0}"#)
        try gvm.validate()
        #expect(gvm.strategyNeeds == StrategyNeeds(presamples: .whereUncertain(count: 0), usesHistory: true))
        #expect(!gvm.strategyNeeds.presamplesFirst)
    }

    @Test(
        "bad or foreign parameters are refused, naming the field",
        arguments: [
            (#""strategy":"knapsack","history":{"decay":0}"#, "history.decay"),
            (#""strategy":"knapsack","history":{"decay":1.5}"#, "history.decay"),
            (#""strategy":"variance","history":{"priorStrength":0}"#, "history.priorStrength"),
            (#""strategy":"variance","history":{"sigmaMax":-0.1}"#, "history.sigmaMax"),
            (#""strategy":"gvm","history":{"historyWindow":0}"#, "history.historyWindow"),
            (#""strategy":"gvm","history":{"solvedMinSamples":0}"#, "history.solvedMinSamples"),
            (#""strategy":"gvm","history":{"hopelessMinSamples":0}"#, "history.hopelessMinSamples"),
            (#""strategy":"gvm","history":{"historyWindow":1.5}"#, "history.historyWindow"),
            (#""strategy":"gvm","history":{"lambda":0.9}"#, "history.lambda"),
            (#""strategy":"knapsack","knapsackFloor":0"#, "knapsackFloor"),
            (#""strategy":"knapsack","filterThreshold":0.9"#, "filterThreshold"),
            (#""strategy":"knapsack","filterInsufficient":1"#, "filterInsufficient"),
            (#""strategy":"variance","knapsackFloor":2"#, "knapsackFloor"),
            (#""strategy":"gvm","knapsackFloor":2"#, "knapsackFloor"),
            (#""strategy":"uniform","history":{}"#, "history"),
            (#""strategy":"uniform","knapsackFloor":2"#, "knapsackFloor"),
        ])
    func refused(fields: String, field: String) {
        let error = Self.refusal(#"{\#(Self.base),\#(fields)}"#)
        #expect(error?.field == field, "\(fields): \(error.map(String.init(describing:)) ?? "accepted")")
    }
}
