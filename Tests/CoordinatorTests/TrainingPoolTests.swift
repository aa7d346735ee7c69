import Foundation
import Policy
import Shared
import Testing
@testable import Coordinator

/// A small pool of prompts that recur: a dataset of P tasks (what
/// `gvm-model tasks --pool P` writes) and iterations that wrap around it, so
/// every P / promptsPerIteration iterations the same prompts come back.
@Suite("Training pools: iterations wrap around a small dataset")
struct TrainingPoolTests {
    @Test("with P = 16 prompts and 4 per iteration, iteration 4 sees iteration 0's prompts, and 0 to 3 see each prompt once")
    func iterationsWrapAroundThePool() async throws {
        let pool = try ArithmeticTasks.generatePool(seed: 21, count: 16, levels: [1, 2, 3])
        let harness = try StoreHarness()
        let parsed = try DatasetParser.parse(name: "pool", jsonl: ArithmeticTasks.jsonLines(pool), options: DatasetImportOptions())
        let dataset = try await harness.store.importDataset(parsed, now: Date())
        #expect(dataset.promptCount == 16)

        let perIteration = 4, iterations = 9
        let configuration = RunConfiguration(
            dataset: "pool", model: "test-model", strategy: .uniform, presamples: 0, samplesPerPrompt: 2,
            promptsPerIteration: perIteration, iterations: iterations, maxSamplesPerLease: 2, seed: 13)
        let run = try await harness.store.createRun(configuration, now: Date())
        try await harness.drain()
        #expect(try await harness.store.run(id: run.runId).state == .completed)

        var seen: [[Int]] = []
        for iteration in 0..<iterations {
            let records = try await harness.store.promptStatistics(runId: run.runId, iteration: iteration)
            #expect(records.count == perIteration)
            #expect(records.allSatisfy { $0.sample.samples == 2 })
            seen.append(records.map(\.promptId))
        }
        let wrap = pool.count / perIteration
        // One pass over the pool: every prompt exactly once.
        #expect(seen.prefix(wrap).flatMap { $0 }.sorted() == Array(0..<pool.count))
        // Then the same batches again, in the same order, pass after pass.
        for iteration in wrap..<iterations {
            #expect(seen[iteration] == seen[iteration - wrap], "iteration \(iteration)")
        }
        #expect(seen[0] != seen[1])
    }
}
