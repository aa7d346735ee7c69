import Foundation
import Policy
import Shared
import Testing
@testable import Coordinator

/// The trainer's arithmetic: which traces become sequences, and the steps
/// themselves. The objective alone (clipped ratio, GRPO advantages, the
/// policy gradient) is tested in PolicyTests' `PolicyObjectiveTests`.
@Suite("Built-in training")
struct BuiltinTrainingTests {
    static let prompt = try! Vocabulary.encode("3+4=?\n")

    static func response(_ text: String) -> [Int32] {
        try! Vocabulary.encode(text) + [Vocabulary.endOfText]
    }

    static func model() throws -> TransformerModel {
        try TransformerModel(config: BuiltinHarness.config, seed: 3, maxBatch: 4)
    }

    static func trace(
        promptId: Int, index: Int, response: String, reward: Double, logProbs: [Double]?, finishReason: FinishReason = .stop
    ) -> TrainingTrace {
        TrainingTrace(
            stage: .sample, promptId: promptId, sampleIndex: index, response: response, reward: reward,
            finishReason: finishReason,
            tokenLogprobsJSON: logProbs.map { String(decoding: try! JSONEncoder().encode($0), as: UTF8.self) })
    }

    @Test("RAFT trains on accepted traces whose log-probabilities match their tokens; the rest are skipped and counted")
    func raftSequences() {
        let template = PromptTemplate(completion: ArithmeticTasks.promptTemplate)
        let traces = [
            Self.trace(promptId: 0, index: 0, response: "\\boxed{7}", reward: 1, logProbs: Array(repeating: -1, count: 10)),
            // Stopped at the length limit: no end-of-text token.
            Self.trace(promptId: 0, index: 1, response: "\\boxed{7", reward: 1, logProbs: Array(repeating: -1, count: 8), finishReason: .length),
            Self.trace(promptId: 0, index: 2, response: "\\boxed{8}", reward: 0, logProbs: Array(repeating: -1, count: 10)),
            // One log-probability short: end-of-text is missing.
            Self.trace(promptId: 0, index: 3, response: "\\boxed{7}", reward: 1, logProbs: Array(repeating: -1, count: 9)),
            Self.trace(promptId: 0, index: 4, response: "\\boxed{7}", reward: 1, logProbs: nil),
            Self.trace(promptId: 0, index: 5, response: "7 × 1", reward: 1, logProbs: Array(repeating: -1, count: 6)),
            // JSON has no infinity; a number too large for a Double is the nearest a worker can send.
            TrainingTrace(
                stage: .sample, promptId: 0, sampleIndex: 6, response: "\\boxed{7}", reward: 1, finishReason: .stop,
                tokenLogprobsJSON: "[-1,-1,-1,-1,-1,-1,-1,-1,-1,-1e999]"),
        ]
        let set = TrainingSet(
            traces: traces, problems: [0: "3+4=?"], template: template, algorithm: .raft, contextLength: 40)
        #expect(set.sequences.count == 2 && set.skippedTraces == 4 && set.droppedGroups == 0)
        #expect(set.sequences[0].prompt == Self.prompt && set.sequences[0].response == Self.response("\\boxed{7}"))
        #expect(set.sequences[1].response == (try! Vocabulary.encode("\\boxed{7")))
        #expect(set.sequences.allSatisfy { $0.advantage == 1 })
        // A context too short for prompt and response skips them all.
        let short = TrainingSet(traces: traces, problems: [0: "3+4=?"], template: template, algorithm: .raft, contextLength: 12)
        #expect(short.sequences.isEmpty && short.skippedTraces == 6)
    }

    @Test("balanced RAFT weights each accepted sample by 1/(its prompt's accepted count), averaging 1")
    func balancedRaftSequences() {
        let logProbs = Array(repeating: -1.0, count: 10)
        let traces = [
            Self.trace(promptId: 1, index: 0, response: "\\boxed{7}", reward: 1, logProbs: logProbs),
            Self.trace(promptId: 1, index: 1, response: "\\boxed{7}", reward: 1, logProbs: logProbs),
            Self.trace(promptId: 1, index: 2, response: "\\boxed{7}", reward: 1, logProbs: logProbs),
            Self.trace(promptId: 1, index: 3, response: "\\boxed{8}", reward: 0, logProbs: logProbs),
            Self.trace(promptId: 2, index: 0, response: "\\boxed{8}", reward: 1, logProbs: logProbs),
        ]
        let problems = [1: "3+4=?", 2: "4+4=?"]
        let template = PromptTemplate(completion: "{problem}\n")
        let balanced = TrainingSet(
            traces: traces, problems: problems, template: template, algorithm: .raft, contextLength: 40, balancePrompts: true)
        // 4 accepted over 2 prompts: scale 2, so prompt 1's three get 2/3 each and prompt 2's one gets 2.
        let advantages: [Double] = balanced.sequences.map(\.advantage)
        let expected: [Double] = [2.0 / 3, 2.0 / 3, 2.0 / 3, 2]
        #expect(advantages.count == 4)
        for (got, want) in zip(advantages, expected) { #expect(abs(got - want) < 1e-12) }
        let pooled = TrainingSet(traces: traces, problems: problems, template: template, algorithm: .raft, contextLength: 40)
        #expect(pooled.sequences.allSatisfy { $0.advantage == 1 })
    }

    @Test("GRPO trains on every sample of groups with different rewards and drops the others")
    func grpoSequences() {
        let logProbs = Array(repeating: -1.0, count: 10)
        let traces = [
            Self.trace(promptId: 1, index: 0, response: "\\boxed{7}", reward: 1, logProbs: logProbs),
            Self.trace(promptId: 1, index: 1, response: "\\boxed{8}", reward: 0, logProbs: logProbs),
            Self.trace(promptId: 2, index: 0, response: "\\boxed{8}", reward: 0, logProbs: logProbs),
            Self.trace(promptId: 2, index: 1, response: "\\boxed{9}", reward: 0, logProbs: logProbs),
        ]
        let set = TrainingSet(
            traces: traces, problems: [1: "3+4=?", 2: "4+4=?"], template: PromptTemplate(completion: "{problem}\n"),
            algorithm: .grpo, contextLength: 40)
        #expect(set.droppedGroups == 1 && set.skippedTraces == 0)
        #expect(set.sequences.map(\.response) == [Self.response("\\boxed{7}"), Self.response("\\boxed{8}")])
        let a = 0.5 / ((0.5).squareRoot() + 1e-6)
        #expect(abs(set.sequences[0].advantage - a) < 1e-12 && abs(set.sequences[1].advantage + a) < 1e-12)
    }

    /// Nine sequences (three prompts, three accepted samples each), minibatches of 4.
    static func inputs(_ model: TransformerModel, iteration: Int = 0, steps: Int = 2, epochs: Int? = nil) throws -> TrainingInputs {
        var traces: [TrainingTrace] = []
        for (promptId, problem) in ["3+4=?", "2+2=?", "5+1=?"].enumerated() {
            let prompt = try Vocabulary.encode(problem + "\n")
            for index in 0..<3 {
                let text = "\\boxed{\(index)}"
                let logProbs = BuiltinHarness.logProbs(model, prompt: prompt, response: Self.response(text))
                traces.append(Self.trace(promptId: promptId, index: index, response: text, reward: 1, logProbs: logProbs))
            }
        }
        let bytes = Data(WeightsFile.encode(model, version: 0))
        let builtin = BuiltinTraining(
            weights: "v0", testDataset: "test", stepsPerIteration: epochs == nil ? steps : nil, epochsPerIteration: epochs,
            batchSize: 4, learningRate: 1e-2, clip: 0.2, maxGradNorm: 1)
        return TrainingInputs(
            runId: 1, iteration: iteration,
            configuration: RunConfiguration(
                dataset: "tasks", model: "m", promptsPerIteration: 3, prompt: PromptTemplate(completion: "{problem}\n"),
                seed: 7, builtin: builtin),
            builtin: builtin, modelVersion: "0", weights: StoredWeights(bytes: bytes, sha256: BuiltinWeights.sha256Hex(bytes)),
            traces: traces, problems: [0: "3+4=?", 1: "2+2=?", 2: "5+1=?"])
    }

    @Test("a step changes the weights; the first step's ratios are 1; the same inputs give the same bytes")
    func sessionSteps() throws {
        let model = try Self.model()
        let inputs = try Self.inputs(model)
        let session = try TrainingSession(inputs: inputs, orderVersion: .current)
        #expect(session.trainingSet.sequences.count == 9)
        func meanLogProb() -> Double {
            let all = session.trainingSet.sequences.flatMap {
                BuiltinHarness.logProbs(session.model, prompt: $0.prompt, response: $0.response)
            }
            return all.reduce(0, +) / Double(all.count)
        }
        let likelihoodBefore = meanLogProb()
        let before = session.model.parameterValues()
        let first = session.step()
        #expect(abs(first.meanRatio - 1) < 1e-5 && first.clippedFraction == 0 && first.tokens > 0 && first.gradNorm > 0)
        #expect(session.model.parameterValues() != before)
        let second = session.step()
        #expect(second.meanRatio != 1)
        // RAFT's advantage is 1 on every token: the steps make the accepted samples likelier.
        #expect(meanLogProb() > likelihoodBefore + 0.01)

        let again = try TrainingSession(inputs: inputs, orderVersion: .current)
        _ = again.step()
        _ = again.step()
        #expect(again.weights(version: 1).bytes == session.weights(version: 1).bytes)
        #expect(session.weights(version: 1).bytes != session.weights(version: 2).bytes, "the header carries the version")
    }

    @Test("trainingFraction trains on that share of each prompt's samples, and the steps follow them")
    func trainingFraction() throws {
        let model = try Self.model()
        var inputs = try Self.inputs(model, epochs: 1)
        inputs.builtin.trainingFraction = 2.0 / 3
        let session = try TrainingSession(inputs: inputs, orderVersion: .current)
        // Two of each prompt's three accepted samples: six sequences, ⌈6 / 4⌉ = 2 steps.
        #expect(session.trainingSet.sequences.count == 6 && session.steps == 2)
        #expect(Set(session.trainingSet.sequences.map(\.prompt)).count == 3)
    }

    @Test("minibatches are distinct sequences from a seeded shuffle, different in each iteration", arguments: OrderVersion.allCases)
    func minibatches(version: OrderVersion) throws {
        let model = try Self.model()
        let first = try TrainingSession(inputs: try Self.inputs(model, iteration: 0), orderVersion: version)
        #expect(first.steps == 2, "stepsPerIteration, whatever the data")
        let batches = (0..<5).map { _ in first.nextMinibatch() }
        #expect(batches.allSatisfy { $0.count == 4 && Set($0).count == 4 })
        // Every sequence comes up within the first epoch and a bit.
        #expect(Set(batches.prefix(3).flatMap { $0 }) == Set(0..<9))
        let replay = try TrainingSession(inputs: try Self.inputs(model, iteration: 0), orderVersion: version)
        #expect((0..<5).map { _ in replay.nextMinibatch() } == batches)
        let other = try TrainingSession(inputs: try Self.inputs(model, iteration: 1), orderVersion: version)
        #expect((0..<5).map { _ in other.nextMinibatch() } != batches)
    }

    @Test("with epochs, each epoch is a fresh shuffle cut into minibatches, and every sequence is seen exactly epochs times",
          arguments: OrderVersion.allCases)
    func epochMinibatches(version: OrderVersion) throws {
        let model = try Self.model()
        let session = try TrainingSession(inputs: try Self.inputs(model, epochs: 3), orderVersion: version)
        // ⌈3 · 9 / 4⌉ = 7 steps: six of 4 and the 3 left.
        #expect(session.steps == 7)
        let batches = (0..<session.steps).map { _ in session.nextMinibatch() }
        #expect(batches.map(\.count) == [4, 4, 4, 4, 4, 4, 3])
        let stream = batches.flatMap { $0 }
        for epoch in 0..<3 {
            #expect(Set(stream[(9 * epoch)..<(9 * epoch + 9)]) == Set(0..<9), "epoch \(epoch) is one pass")
        }
        #expect(Dictionary(grouping: stream, by: { $0 }).mapValues(\.count) == Dictionary(uniqueKeysWithValues: (0..<9).map { ($0, 3) }))
        #expect(Array(stream[0..<9]) != Array(stream[9..<18]), "each epoch reshuffles")
        #expect(session.nextMinibatch().isEmpty, "nothing is left after the last epoch")

        let replay = try TrainingSession(inputs: try Self.inputs(model, epochs: 3), orderVersion: version)
        #expect((0..<7).map { _ in replay.nextMinibatch() } == batches)
        let otherVersion = try TrainingSession(
            inputs: try Self.inputs(model, epochs: 3), orderVersion: version == .fisherYates ? .standardLibrary : .fisherYates)
        #expect((0..<7).map { _ in otherVersion.nextMinibatch() } != batches)
    }

    @Test("with epochs the session takes its steps and the same inputs give the same bytes")
    func epochSteps() throws {
        let model = try Self.model()
        let inputs = try Self.inputs(model, epochs: 1)
        func train() throws -> Data {
            let session = try TrainingSession(inputs: inputs, orderVersion: .current)
            #expect(session.steps == 3)
            for _ in 0..<session.steps { #expect(session.step().tokens > 0) }
            return session.weights(version: 1).bytes
        }
        let first = try train()
        #expect(try train() == first)
        #expect(first != Data(WeightsFile.encode(model, version: 1)), "the steps changed the weights")
    }
}
