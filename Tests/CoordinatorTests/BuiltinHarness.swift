import Foundation
import Logging
import Policy
import Shared
import Testing
@testable import Coordinator

/// A store with an arithmetic task set (`tasks`) and its test split
/// (`tasks-test`) imported, and a tiny model's version-0 weights file, for
/// the tests of runs on the built-in model.
struct BuiltinHarness {
    var base: StoreHarness
    var store: SQLiteStore { base.store }
    let weightsURL: URL
    let train: [ArithmeticTask]
    let test: [ArithmeticTask]

    /// Small enough for debug builds; the context holds every level-1 and
    /// level-2 prompt with a `\boxed{}` answer.
    static let config = TransformerConfig(contextLength: 40, width: 16, layers: 1, heads: 2)
    static let model = "builtin-tiny"

    init(trainCount: Int = 6, testCount: Int = 4) async throws {
        base = try StoreHarness()
        (train, test) = try ArithmeticTasks.generateSplits(seed: 5, trainCount: trainCount, testCount: testCount, levels: [1, 2])
        for (name, tasks) in [("tasks", train), ("tasks-test", test)] {
            let parsed = try DatasetParser.parse(name: name, jsonl: ArithmeticTasks.jsonLines(tasks), options: DatasetImportOptions())
            _ = try await base.store.importDataset(parsed, now: Date())
        }
        weightsURL = base.directory.appendingPathComponent("v0.weights")
        try WeightsFile.write(try TransformerModel(config: Self.config, seed: 3), version: 0, to: weightsURL)
    }

    func configuration(
        algorithm: TrainingAlgorithm = .raft, strategy: AllocationStrategyName = .uniform, iterations: Int = 2,
        steps: Int = 3, batchSize: Int = 4
    ) -> RunConfiguration {
        RunConfiguration(
            dataset: "tasks", model: Self.model, strategy: strategy, algorithm: algorithm, presamples: 4,
            samplesPerPrompt: 4, promptsPerIteration: train.count, iterations: iterations, maxSamplesPerLease: 4,
            prompt: PromptTemplate(completion: ArithmeticTasks.promptTemplate),
            generation: GenerationParameters(maxTokens: 24), seed: 7,
            builtin: BuiltinTraining(
                weights: weightsURL.path, testDataset: "tasks-test", stepsPerIteration: steps, batchSize: batchSize,
                learningRate: 1e-2, clip: 0.2, maxGradNorm: 1))
    }

    func trainer(afterStep: BuiltinTrainer.StepObserver? = nil) -> BuiltinTrainer {
        var logger = Logger(label: "builtin-trainer-test")
        logger.logLevel = .error
        return BuiltinTrainer(store: store, logger: logger, afterStep: afterStep)
    }

    /// Whether sample `index` of a prompt is right: half of them, so GRPO
    /// groups have different rewards.
    static func accepts(promptId: Int, sampleIndex: Int) -> Bool {
        (promptId + sampleIndex) % 2 == 0
    }

    /// A worker's result for a built-in lease: right samples answer
    /// `\boxed{gold}`, wrong ones `\boxed{-1}`, and the log-probabilities are
    /// the lease's weights' own (teacher-forced), as a sampler gives them.
    func result(for lease: Lease) async throws -> LeaseResult {
        let info = try #require(lease.builtin)
        let stored = try await store.weights(runId: lease.runId, version: lease.modelVersion)
        #expect(stored.sha256 == info.weightsSHA256)
        let model = try TransformerModel(weights: try WeightsFile.decode([UInt8](stored.bytes)), maxBatch: 1)
        let prompt = try Vocabulary.encode(try #require(lease.prompt.text))
        var samples: [SampleResult] = []
        for k in 0..<lease.sampleCount {
            let index = lease.firstSampleIndex + k
            let right = Self.accepts(promptId: lease.promptId, sampleIndex: index)
            guard right || lease.algorithm == .grpo else { continue }
            let response = right ? "\\boxed{\(lease.gold)}" : "\\boxed{-1}"
            let tokens = try Vocabulary.encode(response) + [Vocabulary.endOfText]
            samples.append(SampleResult(
                sampleIndex: index, response: response, reward: right ? 1 : 0, gradNorm: right ? 1 : nil,
                completionTokens: tokens.count, finishReason: .stop,
                tokenLogprobs: Self.logProbs(model, prompt: prompt, response: tokens)))
        }
        return LeaseResult(generated: lease.sampleCount, samples: samples)
    }

    /// log p(response_t | prompt, response_<t) under `model`.
    static func logProbs(_ model: TransformerModel, prompt: [Int32], response: [Int32]) -> [Double] {
        let batch = TokenBatch(prompts: [prompt], responses: [response])
        let logProbs = model.forward(batch: batch)
        return batch.responseTargetRanges[0].map { Double(logProbs[batch.index(sequence: 0, position: $0)]) }
    }

    /// Leases and completes work until none is left.
    func drain() async throws {
        while true {
            let leases = try await store.grantLeases(LeaseRequest(workerName: "w1", model: Self.model, capacity: 64), now: Date())
            if leases.isEmpty { return }
            for lease in leases {
                _ = try await store.submit(leaseId: lease.leaseId, result: try await result(for: lease), now: Date())
            }
        }
    }
}
