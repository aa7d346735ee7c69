import Foundation
import Policy
import Shared
import Testing
import TestSupport

/// `ExpectedAccuracy` measures what a run's sample stage measures: a real
/// coordinator and two real built-in workers sample 64 times per prompt at
/// temperature 1, and the offline figure at K = 64 on the same weights
/// (fetched back from the coordinator) and prompts agrees with the run's
/// acceptance rate.
@Suite("Expected accuracy against a real run", .serialized)
struct ExpectedAccuracyEndToEndTests {
    struct RunView: Decodable { var state: String }

    static let samplesPerPrompt = 64
    static let maxTokens = 40

    /// A tiny model warm-started on level-1 tasks just long enough to be
    /// right about half the time at temperature 1 on these prompts.
    static func partlyTrainedWeights(tasks: [ArithmeticTask], to url: URL) throws {
        let model = try TransformerModel(
            config: TransformerConfig(contextLength: 40, width: 32, layers: 2, heads: 2), seed: 7, maxBatch: 8)
        let trainer = try SupervisedTrainer(
            model: model, tasks: tasks, settings: .init(batchSize: 8, learningRate: 1e-2, seed: 7))
        for _ in 0..<400 { _ = trainer.trainStep() }
        try WeightsFile.write(model, version: 0, to: url)
    }

    @Test("at K = 64 the mean agrees with a uniform RAFT run's sample-stage acceptance, within 3 standard errors")
    func agreesWithSampleStage() async throws {
        let cluster = try await Cluster.start()
        let splits = try ArithmeticTasks.generateSplits(seed: 3, trainCount: 60, validationCount: 8, testCount: 8, levels: [1])
        let prompts = Array(splits.train.prefix(16))
        let promptFile = cluster.directory.appendingPathComponent("prompts.jsonl")
        let testFile = cluster.directory.appendingPathComponent("test.jsonl")
        try ArithmeticTasks.jsonLines(prompts).write(to: promptFile)
        try ArithmeticTasks.jsonLines(splits.test).write(to: testFile)
        let weights = cluster.directory.appendingPathComponent("v0.weights")
        try Self.partlyTrainedWeights(tasks: splits.train, to: weights)
        try await cluster.importDataset(name: "prompts", file: promptFile)
        try await cluster.importDataset(name: "tasks-test", file: testFile)

        // One iteration over every prompt, 64 samples each, at temperature 1.
        let configuration = RunConfiguration(
            dataset: "prompts", model: "builtin", strategy: .uniform, algorithm: .raft,
            presamples: 0, samplesPerPrompt: Self.samplesPerPrompt, promptsPerIteration: prompts.count, iterations: 1,
            maxSamplesPerLease: 16, prompt: PromptTemplate(completion: ArithmeticTasks.promptTemplate),
            generation: GenerationParameters(maxTokens: Self.maxTokens, temperature: 1), gradNorm: .constant, seed: 5,
            builtin: BuiltinTraining(
                weights: weights.path, testDataset: "tasks-test", testPrompts: 4, stepsPerIteration: 1, batchSize: 4))
        let created = try await cluster.post("/v1/runs", body: try WireJSON.encoder().encode(configuration))
        #expect(created.status == 201, "\(String(decoding: created.body, as: UTF8.self))")
        try cluster.startBuiltinWorker(name: "builtin-a")
        try cluster.startBuiltinWorker(name: "builtin-b")

        let run = try await cluster.waitUntilRunCompleted(runId: 1, as: RunView.self, state: \.state)
        #expect(run.state == "completed")

        // The run's sample stage, per prompt (promptId is the dataset position).
        let records = try await cluster.prompts(runId: 1, iteration: 0)
        #expect(records.count == prompts.count)
        var runAccepted = [Int](repeating: -1, count: prompts.count)
        for record in records {
            #expect(record.sample.samples == Self.samplesPerPrompt)
            runAccepted[record.promptId] = record.sample.accepted
        }
        #expect(!runAccepted.contains(-1), "every prompt has its sample-stage statistics")

        // The same weights as the coordinator serves them, evaluated offline.
        let served = try await cluster.get("/v1/runs/1/weights/0")
        #expect(served.status == 200)
        let fetched = cluster.directory.appendingPathComponent("fetched-v0.weights")
        try served.body.write(to: fetched)
        let model = try TransformerModel(weights: try WeightsFile.read(from: fetched), maxBatch: 1)
        let expected = try ExpectedAccuracy.run(
            model: model, tasks: prompts,
            settings: .init(samplesPerPrompt: Self.samplesPerPrompt, temperature: 1, seed: 17, maxTokens: Self.maxTokens))

        let k = Double(Self.samplesPerPrompt)
        let runRates = runAccepted.map { Double($0) / k }
        let runMean = runRates.reduce(0, +) / Double(runRates.count)
        let standardError = try #require(expected.overall.standardError)
        // The comparison means something only when acceptance is far from 0 and 1.
        #expect(runMean > 0.15 && runMean < 0.85, "run acceptance \(runMean)")
        #expect(abs(expected.overall.mean - runMean) <= 3 * standardError,
                "expected \(expected.overall.mean) ± \(standardError), run \(runMean)")

        // Tighter: on the same prompts only the binomial noise of the two
        // draws separates them, prompt by prompt.
        let expectedRates = expected.promptAccuracies
        let noise = zip(expectedRates, runRates).reduce(0.0) { $0 + ($1.0 * (1 - $1.0) + $1.1 * (1 - $1.1)) / k }
        let pairedError = noise.squareRoot() / Double(prompts.count)
        #expect(pairedError > 0)
        #expect(abs(expected.overall.mean - runMean) <= 3 * pairedError,
                "expected \(expected.overall.mean), run \(runMean), paired standard error \(pairedError)")

        await cluster.stopAll()
        for worker in cluster.workers { #expect(await worker.waitForExit() == 0, "\(worker.stderrText.suffix(2000))") }
    }
}
