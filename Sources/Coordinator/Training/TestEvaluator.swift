import Foundation
import Policy
import Shared

/// Test accuracy of a model version: greedy decoding (temperature 0) of each
/// test prompt, checked by the math verifier against the gold answer.
enum TestEvaluator {
    /// Blocking; run it on the trainer's thread. `shouldStop` is asked
    /// between prompts, so that a shutdown does not wait for a whole test set.
    static func evaluate(
        _ inputs: EvaluationInputs, now: Date, shouldStop: () -> Bool = { false }
    ) throws -> TestEvaluation {
        let contents = try WeightsFile.decode([UInt8](inputs.weights.bytes))
        let model = try TransformerModel(weights: contents, maxBatch: 1)
        // A prompt the model cannot read (run creation refuses those) counts as wrong.
        let items = inputs.prompts.map { prompt in
            TaskEvaluation.Item(
                prompt: try? BuiltinWeights.promptTokens(problem: prompt.problem, template: inputs.configuration.prompt),
                gold: prompt.answer, level: prompt.level)
        }
        let result = try TaskEvaluation.run(
            model: model, items: items, maxNewTokens: max(1, inputs.configuration.generation.maxTokens),
            shouldStop: shouldStop)
        return TestEvaluation(
            modelVersion: inputs.modelVersion, prompts: result.tasks, correct: result.correct, accuracy: result.accuracy,
            byLevel: result.levels.map {
                TestEvaluation.Level(level: $0.level, prompts: $0.tasks, correct: $0.correct, accuracy: $0.accuracy)
            },
            evaluatedAt: now)
    }
}
