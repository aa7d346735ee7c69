import Foundation
import MathVerifier
import Shared

/// Test accuracy of a model: greedy decoding of each prompt, judged by the
/// same verifier the workers use. `gvm-model evaluate`, the warm start and
/// the coordinator's evaluate stage all measure it here.
public struct TaskEvaluation: Sendable, Equatable {
    /// One prompt to evaluate.
    public struct Item: Sendable {
        /// The prompt's tokens; nil for a prompt the model cannot read, which counts as wrong.
        public var prompt: [Int32]?
        public var gold: String
        public var level: Int?

        public init(prompt: [Int32]?, gold: String, level: Int?) {
            self.prompt = prompt
            self.gold = gold
            self.level = level
        }
    }

    public struct Level: Sendable, Equatable {
        public var level: Int
        public var tasks: Int
        public var correct: Int
        public var accuracy: Double { tasks == 0 ? 0 : Double(correct) / Double(tasks) }
    }

    /// Items that carry a level, by level in level order.
    public var levels: [Level]
    public var tasks: Int
    public var correct: Int
    public var accuracy: Double { tasks == 0 ? 0 : Double(correct) / Double(tasks) }

    public struct Stopped: Error {}

    /// Blocking: run it on a `ComputeThread`. `shouldStop` is asked between
    /// prompts, so that a shutdown need not wait for a whole test set.
    public static func run(
        model: TransformerModel, items: [Item], maxNewTokens: Int = .max, shouldStop: () -> Bool = { false }
    ) throws -> TaskEvaluation {
        let sampler = Sampler(model: model, maxSequences: 1)
        let verifier = MathVerifier()
        var byLevel: [Int: Level] = [:]
        var correct = 0
        for item in items {
            if shouldStop() { throw Stopped() }
            var right = false
            if let prompt = item.prompt, !prompt.isEmpty {
                let room = min(maxNewTokens, model.config.contextLength + 1 - prompt.count)
                if room >= 1, let sample = try? sampler.sample(prompt: prompt, count: 1, maxNewTokens: room, temperature: 0, seed: 0).first {
                    right = verifier.verify(response: Vocabulary.decode(sample.tokens), gold: item.gold).correct
                }
            }
            if right { correct += 1 }
            if let level = item.level {
                var entry = byLevel[level] ?? Level(level: level, tasks: 0, correct: 0)
                entry.tasks += 1
                if right { entry.correct += 1 }
                byLevel[level] = entry
            }
        }
        return TaskEvaluation(levels: byLevel.keys.sorted().map { byLevel[$0]! }, tasks: items.count, correct: correct)
    }

    /// Arithmetic tasks, rendered with the built-in prompt template.
    public static func run(model: TransformerModel, tasks: [ArithmeticTask], maxNewTokens: Int = .max) throws -> TaskEvaluation {
        try run(model: model, items: tasks.map { task in
            Item(prompt: try? Vocabulary.encode(task.prompt), gold: task.answer, level: task.level)
        }, maxNewTokens: maxNewTokens)
    }

    /// A fixed-width table: one row per level, then the overall row.
    public var table: String {
        var lines = ["level  tasks  correct  accuracy"]
        func row(_ name: String, _ tasks: Int, _ correct: Int, _ accuracy: Double) -> String {
            name.leftPadded(5) + "  " + String(tasks).leftPadded(5) + "  " + String(correct).leftPadded(7) + "  "
                + String(format: "%7.1f%%", accuracy * 100)
        }
        for level in levels { lines.append(row(String(level.level), level.tasks, level.correct, level.accuracy)) }
        lines.append(row("all", tasks, correct, accuracy))
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
