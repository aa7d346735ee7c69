import Foundation
import Policy
import Shared

/// Test accuracy of a model version: greedy decoding (temperature 0) of each
/// test prompt, checked by the math verifier against the gold answer.
enum TestEvaluator {
    struct Stopped: Error {}

    /// Blocking; run it on the trainer's thread. `shouldStop` is asked
    /// between prompts, so that a shutdown does not wait for a whole test set.
    static func evaluate(
        _ inputs: EvaluationInputs, now: Date, shouldStop: () -> Bool = { false }
    ) throws -> TestEvaluation {
        let contents = try WeightsFile.decode([UInt8](inputs.weights.bytes))
        let model = try TransformerModel(weights: contents, maxBatch: 1)
        let sampler = Sampler(model: model, maxSequences: 1)
        let verifier = MathVerifier()
        let maxTokens = max(1, inputs.configuration.generation.maxTokens)
        var correct = 0
        var levels: [Int: (prompts: Int, correct: Int)] = [:]
        for prompt in inputs.prompts {
            if shouldStop() { throw Stopped() }
            var right = false
            // A prompt the model cannot read (run creation refuses those) counts as wrong.
            if let tokens = try? BuiltinWeights.promptTokens(problem: prompt.problem, template: inputs.configuration.prompt),
                let answer = try? sampler.sample(prompt: tokens, count: 1, maxNewTokens: maxTokens, temperature: 0, seed: 0).first
            {
                right = verifier.verify(response: Vocabulary.decode(answer.tokens), gold: prompt.answer).correct
            }
            if right { correct += 1 }
            if let level = prompt.level {
                levels[level, default: (0, 0)].prompts += 1
                if right { levels[level]!.correct += 1 }
            }
        }
        return TestEvaluation(
            modelVersion: inputs.modelVersion, prompts: inputs.prompts.count, correct: correct,
            accuracy: inputs.prompts.isEmpty ? 0 : Double(correct) / Double(inputs.prompts.count),
            byLevel: levels.keys.sorted().map { level in
                let (prompts, correct) = levels[level]!
                return TestEvaluation.Level(level: level, prompts: prompts, correct: correct, accuracy: Double(correct) / Double(prompts))
            },
            evaluatedAt: now)
    }
}
