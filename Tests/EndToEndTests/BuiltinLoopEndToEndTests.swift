import Foundation
import Policy
import Shared
import Testing
import TestSupport

/// The whole loop with the built-in model and no test double: a real
/// coordinator trains and evaluates, two real workers fetch each version's
/// weights, sample, verify and take exact gradient norms.
@Suite("Built-in model end to end", .serialized)
struct BuiltinLoopEndToEndTests {
    struct IterationsView: Decodable {
        struct Training: Decodable { var steps: Int; var stepsDone: Int; var modelVersion: String? }
        struct Evaluation: Decodable { var modelVersion: String; var prompts: Int; var accuracy: Double }
        struct Iteration: Decodable {
            var iteration: Int
            var stage: String
            var modelVersion: String
            var samplesGenerated: Int
            var training: Training?
            var evaluationBefore: Evaluation?
            var evaluationAfter: Evaluation?
        }
        var iterations: [Iteration]
    }

    struct RunView: Decodable { var state: String; var modelVersion: String }

    /// A tiny model given a short supervised warm start on level-1 tasks,
    /// so that some samples are accepted and some are not.
    static func warmStartedWeights(tasks: [ArithmeticTask], to url: URL) throws {
        let model = try TransformerModel(
            config: TransformerConfig(contextLength: 40, width: 32, layers: 2, heads: 2), seed: 7, maxBatch: 8)
        let trainer = try SupervisedTrainer(
            model: model, tasks: tasks, settings: .init(batchSize: 8, learningRate: 1e-2, warmupSteps: 10, seed: 7))
        for _ in 0..<120 { _ = trainer.trainStep() }
        try WeightsFile.write(model, version: 0, to: url)
    }

    @Test("two GVM-RAFT iterations: presample, allocate, sample, train, evaluate, and version 2 published")
    func twoIterations() async throws {
        let cluster = try await Cluster.start()
        let (train, test) = try ArithmeticTasks.generateSplits(seed: 3, trainCount: 40, testCount: 8, levels: [1])
        let trainFile = cluster.directory.appendingPathComponent("train.jsonl")
        let testFile = cluster.directory.appendingPathComponent("test.jsonl")
        try ArithmeticTasks.jsonLines(train).write(to: trainFile)
        try ArithmeticTasks.jsonLines(test).write(to: testFile)
        let weights = cluster.directory.appendingPathComponent("v0.weights")
        try Self.warmStartedWeights(tasks: train, to: weights)
        try await cluster.importDataset(name: "tasks-train", file: trainFile)
        try await cluster.importDataset(name: "tasks-test", file: testFile)

        let configuration = RunConfiguration(
            dataset: "tasks-train", model: "builtin", strategy: .gvm, algorithm: .raft,
            presamples: 4, samplesPerPrompt: 4, promptsPerIteration: 8, iterations: 2, maxSamplesPerLease: 4,
            prompt: PromptTemplate(completion: ArithmeticTasks.promptTemplate),
            generation: GenerationParameters(maxTokens: 40, temperature: 1), gradNorm: .exact, seed: 5,
            builtin: BuiltinTraining(
                weights: weights.path, testDataset: "tasks-test", testPrompts: 8, stepsPerIteration: 2, batchSize: 4,
                learningRate: 1e-3))
        let created = try await cluster.post("/v1/runs", body: try WireJSON.encoder().encode(configuration))
        #expect(created.status == 201, "\(String(decoding: created.body, as: UTF8.self))")
        try cluster.startBuiltinWorker(name: "builtin-a")
        try cluster.startBuiltinWorker(name: "builtin-b")

        let run = try await cluster.waitUntilRunCompleted(runId: 1, as: RunView.self, state: \.state)
        #expect(run.state == "completed" && run.modelVersion == "2")

        let iterations = try await cluster.getJSON("/v1/runs/1/iterations", as: IterationsView.self).iterations
        #expect(iterations.map(\.stage) == ["done", "done"])
        #expect(iterations.map(\.modelVersion) == ["0", "1"])
        // 8 prompts x 4 pre-samples, then a budget of 8 x 4.
        #expect(iterations.map(\.samplesGenerated) == [64, 64])
        #expect(iterations.map { $0.training?.stepsDone } == [2, 2])
        #expect(iterations.map { $0.evaluationBefore?.modelVersion } == ["0", "1"])
        #expect(iterations.map { $0.evaluationAfter?.modelVersion } == ["1", "2"])
        #expect(iterations.allSatisfy { $0.evaluationAfter?.prompts == 8 })

        // Accepted traces carry exact gradient norms; the published versions are real weights files.
        let traces = try await cluster.traces(runId: 1, iteration: 0)
        #expect(!traces.isEmpty, "the warm-started model should solve some level-1 prompts")
        #expect(traces.filter { $0.reward > 0 }.allSatisfy { ($0.gradNorm ?? 0) > 0 })
        for version in ["1", "2"] {
            let response = try await cluster.get("/v1/runs/1/weights/\(version)")
            #expect(response.status == 200)
            let contents = try WeightsFile.decode(Array(response.body))
            #expect(contents.modelVersion == UInt64(version))
        }
        let version0 = try WeightsFile.read(from: weights)
        let version2 = try WeightsFile.decode(Array(try await cluster.get("/v1/runs/1/weights/2").body))
        #expect(version2.parameters != version0.parameters, "training changed nothing")

        await cluster.stopAll()
        for worker in cluster.workers { #expect(await worker.waitForExit() == 0, "\(worker.stderrText.suffix(2000))") }
    }
}
