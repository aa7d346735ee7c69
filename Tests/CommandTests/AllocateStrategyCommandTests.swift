import Foundation
import TestSupport
import Testing

/// `gvm-coordinator allocate` with the strategies beyond the paper and with a
/// history file: the conformance vectors of `strategy-vectors.json` through
/// the command, and what it refuses.
@Suite("gvm-coordinator allocate: knapsack, variance and history")
struct AllocateStrategyCommandTests {
    struct Output: Decodable {
        struct History: Decodable {
            var posteriorA: [Double]
            var posteriorB: [Double]
            var mean: [Double]
            var sd: [Double]
            var gradNorms: [Double]
            var presamples: [Int]
            var solved: [Bool]
            var hopeless: [Bool]
        }

        var counts: [Int]
        var ratios: [Double]
        var unallocated: Int
        var history: History?
    }

    static func cases(_ list: String) throws -> [[String: Any]] {
        let file = try JSONSerialization.jsonObject(with: Fixtures.data("strategy-vectors.json")) as! [String: Any]
        return file[list] as! [[String: Any]]
    }

    static func close(_ got: Double, _ want: Double) -> Bool {
        want == 0 ? got == 0 : abs(got - want) <= 1e-9 * abs(want)
    }

    static func checkAllocation(_ result: BuiltProduct.Result, _ vector: [String: Any]) throws {
        let name = vector["name"] as! String
        if vector["expectError"] as? Bool == true {
            #expect(result.status == 2 && result.stdout.isEmpty, "\(name) must be refused")
            #expect(!result.stderr.isEmpty, "\(name)")
            return
        }
        #expect(result.status == 0, "\(name): \(result.stderr)")
        let output = try JSONDecoder().decode(Output.self, from: result.stdout)
        #expect(output.counts == vector["expectedCounts"] as? [Int], "\(name)")
        #expect(output.unallocated == vector["expectedUnallocated"] as? Int, "\(name)")
        let expected = vector["expectedRatios"] as! [Double]
        #expect(output.ratios.count == expected.count, "\(name)")
        for (got, want) in zip(output.ratios, expected) {
            #expect(close(got, want), "\(name): \(got) vs \(want)")
        }
    }

    @Test("every knapsack vector gives the expected allocation through the command")
    func knapsackVectors() async throws {
        let cases = try Self.cases("knapsack")
        #expect(cases.count == 51)
        for vector in cases {
            var input = vector.filter {
                ["acceptRates", "budget", "maxSamplesPerPrompt", "knapsackFloor", "solved", "hopeless"].contains($0.key)
            }
            input["strategy"] = "knapsack"
            // knapsack reads no norms; the command asks for one per prompt.
            input["gradNorms"] = (vector["acceptRates"] as! [Any]).map { _ in 1 }
            let result = try await BuiltProduct.coordinator.run(["allocate"], input: JSONSerialization.data(withJSONObject: input))
            try Self.checkAllocation(result, vector)
        }
    }

    @Test("every variance vector gives the expected allocation through the command")
    func varianceVectors() async throws {
        let cases = try Self.cases("variance")
        #expect(cases.count == 45)
        for vector in cases {
            var input = vector.filter {
                ["gradNorms", "acceptRates", "budget", "maxSamplesPerPrompt", "filterThreshold", "filterInsufficient"]
                    .contains($0.key)
            }
            input["strategy"] = "variance"
            // `excluded` is solved or hopeless; variance treats both alike.
            input["solved"] = vector["excluded"]
            let result = try await BuiltProduct.coordinator.run(["allocate"], input: JSONSerialization.data(withJSONObject: input))
            try Self.checkAllocation(result, vector)
        }
    }

    /// A history vector as the history endpoints would answer it: one record
    /// per prompt and iteration, its counts as pre-samples.
    static func historyFile(_ vector: [String: Any]) throws -> URL {
        let levels = vector["levels"] as! [Any]
        var records: [[String: Any]] = []
        for (t, iteration) in (vector["iterations"] as! [[String: Any]]).enumerated() {
            let correct = iteration["correct"] as! [Int]
            let wrong = iteration["wrong"] as! [Int]
            let sums = iteration["normSums"] as! [Double]
            let counts = iteration["normCounts"] as! [Int]
            for prompt in levels.indices {
                records.append([
                    "iteration": t, "promptId": prompt, "level": levels[prompt],
                    "presample": [
                        "samples": correct[prompt] + wrong[prompt], "accepted": correct[prompt],
                        "gradNormSum": sums[prompt], "gradNormCount": counts[prompt],
                    ],
                    "sample": ["samples": 0, "accepted": 0, "gradNormSum": 0],
                    "allocatedCount": NSNull(),
                ])
            }
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gvm-history-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: ["prompts": records]).write(to: url)
        return url
    }

    @Test("every history vector gives the expected statistics through allocate --history")
    func historyVectors() async throws {
        let cases = try Self.cases("history")
        #expect(cases.count == 43)
        for vector in cases {
            let name = vector["name"] as! String
            let file = try Self.historyFile(vector)
            defer { try? FileManager.default.removeItem(at: file) }
            let prompts = (vector["levels"] as! [Any]).count
            var input = vector.filter {
                ["decay", "priorStrength", "sigmaMax", "presamples", "historyWindow", "solvedMinSamples", "hopelessMinSamples"]
                    .contains($0.key)
            }
            // Knapsack under RAFT never refuses: the flags are reported, not applied.
            input["strategy"] = "knapsack"
            input["budget"] = 2 * prompts
            // A case with no iterations is iteration 0 with no record.
            input["iteration"] = max((vector["iterations"] as! [Any]).count - 1, 0)
            input["promptIds"] = Array(0..<prompts)
            let result = try await BuiltProduct.coordinator.run(
                ["allocate", "--history", file.path], input: JSONSerialization.data(withJSONObject: input))
            if vector["expectError"] as? Bool == true {
                #expect(result.status == 2 && result.stdout.isEmpty, "\(name) must be refused")
                continue
            }
            #expect(result.status == 0, "\(name): \(result.stderr)")
            let history = try #require(try JSONDecoder().decode(Output.self, from: result.stdout).history, "\(name)")
            for (key, got) in [
                ("expectedA", history.posteriorA), ("expectedB", history.posteriorB), ("expectedMean", history.mean),
                ("expectedSd", history.sd), ("expectedGradNorms", history.gradNorms),
            ] {
                let want = vector[key] as! [Double]
                #expect(got.count == want.count && zip(got, want).allSatisfy { Self.close($0, $1) }, "\(name) \(key): \(got) vs \(want)")
            }
            #expect(history.presamples == vector["expectedPresamples"] as? [Int], "\(name)")
            #expect(history.solved == vector["expectedSolved"] as? [Bool], "\(name)")
            #expect(history.hopeless == vector["expectedHopeless"] as? [Bool], "\(name)")
        }
    }

    @Test(
        "inputs that mix the two modes, or miss what a mode needs, are refused naming the field",
        arguments: [
            (#"{"strategy":"knapsack","acceptRates":[0.5],"gradNorms":[1],"budget":4,"iteration":0}"#, false, "iteration"),
            (#"{"strategy":"knapsack","acceptRates":[0.5],"gradNorms":[1],"budget":4,"decay":0.5}"#, false, "decay"),
            (#"{"strategy":"knapsack","acceptRates":[0.5],"budget":4}"#, false, "gradNorms"),
            (#"{"strategy":"knapsack","acceptRates":[0.5],"gradNorms":[1],"budget":4,"solved":[1]}"#, false, "solved[0]"),
            (#"{"strategy":"knapsack","acceptRates":[0.5],"gradNorms":[1],"budget":4,"knapsackFloor":0}"#, false, "knapsackFloor"),
            (#"{"strategy":"variance","acceptRates":[0.5],"gradNorms":[1],"budget":4,"hopeless":[true,false]}"#, false, "hopeless"),
            (#"{"strategy":"variance","promptIds":[0],"budget":4,"iteration":0,"acceptRates":[0.5]}"#, true, "acceptRates"),
            (#"{"strategy":"variance","promptIds":[0],"budget":4}"#, true, "iteration"),
            (#"{"strategy":"variance","budget":4,"iteration":1}"#, true, "promptIds"),
            (#"{"strategy":"variance","promptIds":[0.5],"budget":4,"iteration":1}"#, true, "promptIds[0]"),
            (#"{"strategy":"variance","promptIds":[0],"budget":4,"iteration":1,"decay":2}"#, true, "decay"),
            (#"{"strategy":"variance","promptIds":[0],"budget":4,"iteration":1,"algorithm":"ppo"}"#, true, "algorithm"),
        ])
    func refusals(json: String, withHistory: Bool, field: String) async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gvm-history-\(UUID().uuidString).json")
        try Data(#"{"prompts":[]}"#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let arguments = withHistory ? ["allocate", "--history", file.path] : ["allocate"]
        let result = try await BuiltProduct.coordinator.run(arguments, input: Data(json.utf8))
        #expect(result.status == 2 && result.stdout.isEmpty)
        #expect(result.stderr.contains("allocate: \(field):"), "\(result.stderr)")
    }

    @Test("a history file with a bad record is refused naming the record and field")
    func badHistoryFile() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gvm-history-\(UUID().uuidString).json")
        let record = #"{"iteration":0,"promptId":0,"presample":{"samples":2,"accepted":3,"gradNormSum":1},"sample":{"samples":0,"accepted":0,"gradNormSum":0}}"#
        try Data("[\(record)]".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try await BuiltProduct.coordinator.run(
            ["allocate", "--history", file.path], input: Data(#"{"promptIds":[0],"budget":4,"iteration":0}"#.utf8))
        #expect(result.status == 2)
        #expect(result.stderr.contains("history[0].presample.accepted"), "\(result.stderr)")
    }
}
