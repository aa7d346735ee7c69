import Foundation
import Shared

/// Test accuracy of a model on arithmetic tasks: greedy decoding of each
/// prompt, judged by the same verifier the workers use.
public struct TaskEvaluation: Sendable, Equatable {
    public struct Level: Sendable, Equatable {
        public var level: Int
        public var tasks: Int
        public var correct: Int
        public var accuracy: Double { tasks == 0 ? 0 : Double(correct) / Double(tasks) }
    }

    /// By level, in level order.
    public var levels: [Level]
    public var tasks: Int { levels.reduce(0) { $0 + $1.tasks } }
    public var correct: Int { levels.reduce(0) { $0 + $1.correct } }
    public var accuracy: Double { tasks == 0 ? 0 : Double(correct) / Double(tasks) }

    /// Greedy decoding with `model`; a prompt whose tokens do not fit the
    /// context counts as wrong.
    public static func run(model: TransformerModel, tasks: [ArithmeticTask]) throws -> TaskEvaluation {
        let sampler = Sampler(model: model, maxSequences: 1)
        let verifier = MathVerifier()
        var byLevel: [Int: Level] = [:]
        for task in tasks {
            var entry = byLevel[task.level] ?? Level(level: task.level, tasks: 0, correct: 0)
            entry.tasks += 1
            let prompt = try Vocabulary.encode(task.prompt)
            let room = model.config.contextLength + 1 - prompt.count
            if room >= 1 {
                let sample = try sampler.sample(prompt: prompt, count: 1, maxNewTokens: room, temperature: 0, seed: 0)[0]
                if verifier.verify(response: Vocabulary.decode(sample.tokens), gold: task.answer).correct { entry.correct += 1 }
            }
            byLevel[task.level] = entry
        }
        return TaskEvaluation(levels: byLevel.keys.sorted().map { byLevel[$0]! })
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
