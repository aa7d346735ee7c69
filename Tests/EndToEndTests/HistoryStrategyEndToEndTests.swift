import Foundation
import Shared
import Testing
import TestSupport

/// A knapsack run over real HTTP: the parameters it resolves, the history's
/// estimates in status, prompt history and the allocation export, and an
/// allocation replayed by `allocate --history` from the history endpoint's answer.
@Suite("History strategies over HTTP", .serialized)
struct HistoryStrategyEndToEndTests {
    struct Estimate: Decodable, Equatable {
        var posteriorA: Double
        var posteriorB: Double
        var acceptRateEstimate: Double
        var gradNormEstimate: Double
        var flag: String?
    }

    struct Record: Decodable {
        var iteration: Int
        var promptId: Int
        var level: Int?
        var presampleCount: Int
        var presampled: Bool
        var allocatedCount: Int?
        var history: Estimate?
    }

    struct Prompts: Decodable { var prompts: [Record] }

    struct Status: Decodable {
        struct History: Decodable {
            struct Prompt: Decodable { var promptId: Int; var presampleCount: Int; var presampled: Bool; var estimate: Estimate? }
            var presampledPrompts: Int
            var solvedPrompts: Int
            var hopelessPrompts: Int
            var prompts: [Prompt]
        }

        struct Run: Decodable { var runId: Int; var history: History? }
        var runs: [Run]
    }

    struct Export: Decodable {
        var counts: [Int]
        var presampleCounts: [Int]
        var posteriorA: [Double?]
        var posteriorB: [Double?]
        var gradNormEstimates: [Double?]
    }

    struct RunView: Decodable {
        struct Configuration: Decodable {
            var strategy: String
            var knapsackFloor: Int?
            var history: [String: Double]?
        }

        var configuration: Configuration
    }

    @Test("a knapsack run resolves its parameters, shows its estimates everywhere, and allocate --history replays its allocation")
    func knapsackOverHTTP() async throws {
        let cluster = try await Cluster.start()
        let run = try await cluster.createRun(RunConfiguration(
            dataset: "math500", model: "double", strategy: .knapsack, algorithm: .grpo, presamples: 4,
            samplesPerPrompt: 6, promptsPerIteration: 8, iterations: 2, maxSamplesPerLease: 4, seed: 5))
        let view = try await cluster.getJSON("/v1/runs/\(run.runId)", as: RunView.self)
        #expect(view.configuration.strategy == "knapsack" && view.configuration.knapsackFloor == 2)
        #expect(view.configuration.history == [
            "decay": 0.9, "priorStrength": 2, "sigmaMax": 0.15, "historyWindow": 2, "solvedMinSamples": 8, "hopelessMinSamples": 8,
        ])

        try await SimulatedWorker(cluster: cluster).drain()
        let first = try await cluster.getJSON("/v1/runs/\(run.runId)/iterations/0/prompts", as: Prompts.self).prompts
        let second = try await cluster.getJSON("/v1/runs/\(run.runId)/iterations/1/prompts", as: Prompts.self).prompts
        #expect(first.count == 8 && second.count == 8)
        #expect(first.allSatisfy { $0.presampleCount == 4 && $0.presampled && $0.history != nil && $0.level != nil })
        #expect(second.allSatisfy { $0.history != nil && $0.presampled == ($0.presampleCount > 0) })

        // Status: the current iteration's prompts and their estimates.
        let status = try await cluster.getJSON("/v1/status", as: Status.self)
        let history = try #require(status.runs.first { $0.runId == run.runId }?.history)
        #expect(history.prompts.map(\.promptId) == second.map(\.promptId))
        #expect(history.prompts.map(\.estimate) == second.map(\.history))
        #expect(history.presampledPrompts == second.filter(\.presampled).count)

        // Export: dense over the dataset, null outside the iteration.
        let exportResponse = try await cluster.get("/v1/runs/\(run.runId)/iterations/1/allocation")
        let export = try JSONDecoder().decode(Export.self, from: exportResponse.body)
        #expect(export.counts.count == 20 && export.posteriorA.count == 20)
        for position in 0..<20 {
            if let record = second.first(where: { $0.promptId == position }) {
                #expect(export.counts[position] == record.allocatedCount)
                #expect(export.presampleCounts[position] == record.presampleCount)
                #expect(export.posteriorA[position] == record.history?.posteriorA)
                #expect(export.posteriorB[position] == record.history?.posteriorB)
                #expect(export.gradNormEstimates[position] == record.history?.gradNormEstimate)
            } else {
                #expect(export.counts[position] == 0 && export.posteriorA[position] == nil)
            }
        }

        // Replay iteration 1 from what the coordinator had when it allocated
        // it: iteration 0's answer, and iteration 1's with its pre-samples
        // only (its samples came after).
        let answer0 = try JSONSerialization.jsonObject(with: try await cluster.get("/v1/runs/\(run.runId)/iterations/0/prompts").body)
        var answer1 = try #require(
            try JSONSerialization.jsonObject(with: try await cluster.get("/v1/runs/\(run.runId)/iterations/1/prompts").body)
                as? [String: Any])
        answer1["prompts"] = try #require(answer1["prompts"] as? [[String: Any]]).map { record in
            var record = record
            record["sample"] = ["samples": 0, "accepted": 0, "gradNormSum": 0, "gradNormSquareSum": 0]
            return record
        }
        #expect(second.contains { $0.presampled } && second.contains { $0.presampleCount == 4 })
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gvm-history-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: [answer0, answer1]).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let input: [String: Any] = [
            "strategy": "knapsack", "algorithm": "grpo", "iteration": 1, "presamples": 4,
            "promptIds": second.map(\.promptId), "budget": 48,
        ]
        let replay = try await BuiltProduct.coordinator.run(
            ["allocate", "--history", file.path], input: JSONSerialization.data(withJSONObject: input))
        #expect(replay.status == 0, "\(replay.stderr)")
        struct Output: Decodable { var counts: [Int] }
        #expect(try JSONDecoder().decode(Output.self, from: replay.stdout).counts == second.compactMap(\.allocatedCount))
    }

    @Test(
        "bad history, floor and rounds parameters are refused with a 400 naming the field, and no run is stored",
        arguments: [
            (#""strategy":"knapsack","history":{"decay":0}"#, "history.decay"),
            (#""strategy":"variance","history":{"window":2}"#, "history.window"),
            (#""strategy":"knapsack","knapsackFloor":0"#, "knapsackFloor"),
            (#""strategy":"uniform","history":{}"#, "history"),
            (#""strategy":"knapsack","filterThreshold":0.5"#, "filterThreshold"),
            (#""rounds":{"size":9}"#, "rounds.size"),
            (#""rounds":{"correctTarget":2}"#, "rounds.correctTarget"),
            (#""algorithm":"grpo","rounds":{"acceptedTarget":4}"#, "rounds.acceptedTarget"),
            (#""rounds":{"size":4,"patience":2}"#, "rounds.patience"),
            (#""presampleAccounting":"countTowardBudget","rounds":{}"#, "rounds"),
        ])
    func refused(fields: String, field: String) async throws {
        let cluster = try await Cluster.start()
        let body = #"{"dataset":"math500","model":"double","promptsPerIteration":4,\#(fields)}"#
        let response = try await cluster.post("/v1/runs", body: Data(body.utf8))
        #expect(response.status == 400)
        struct Refusal: Decodable { struct Error: Decodable { var field: String? }; var error: Error }
        #expect(try JSONDecoder().decode(Refusal.self, from: response.body).error.field == field, "\(String(decoding: response.body, as: UTF8.self))")
        // Nothing was stored: the coordinator still has no run.
        struct Runs: Decodable { var runs: [RunSummaryView] }
        #expect(try await cluster.getJSON("/v1/runs", as: Runs.self).runs.isEmpty)
    }
}
