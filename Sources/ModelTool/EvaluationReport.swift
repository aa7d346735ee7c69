import Foundation
import Policy

/// What `gvm-model evaluate` prints: as tables, or as one JSON object
/// (camelCase keys, sorted) for scripts.
struct EvaluationReport: Encodable {
    struct Weights: Encodable {
        var modelVersion: UInt64
        var width: Int
        var layers: Int
        var heads: Int
        var contextLength: Int
        var parameters: Int
    }

    struct Greedy: Encodable {
        struct Level: Encodable { var level: Int; var tasks: Int; var correct: Int; var accuracy: Double }
        var tasks: Int
        var correct: Int
        var accuracy: Double
        var levels: [Level]
        let evaluation: TaskEvaluation

        init(_ evaluation: TaskEvaluation) {
            self.evaluation = evaluation
            tasks = evaluation.tasks
            correct = evaluation.correct
            accuracy = evaluation.accuracy
            levels = evaluation.levels.map { Level(level: $0.level, tasks: $0.tasks, correct: $0.correct, accuracy: $0.accuracy) }
        }

        enum CodingKeys: String, CodingKey { case tasks, correct, accuracy, levels }
    }

    struct Expected: Encodable {
        struct Level: Encodable { var level: Int; var tasks: Int; var accepted: Int; var mean: Double; var standardError: Double? }
        var temperature: Float
        var topP: Float
        var samplesPerTask: Int
        var seed: UInt64
        var maxTokens: Int
        var tasks: Int
        var accepted: Int
        var mean: Double
        var standardError: Double?
        /// Says in words which standard error it is.
        var standardErrorOf = "the mean over tasks: sample standard deviation of per-task accuracies (accepted / samplesPerTask) / sqrt(tasks)"
        var levels: [Level]

        init(_ result: ExpectedAccuracy) {
            temperature = result.settings.temperature
            topP = result.settings.topP
            samplesPerTask = result.settings.samplesPerPrompt
            seed = result.settings.seed
            maxTokens = result.settings.maxTokens
            tasks = result.overall.prompts
            accepted = result.acceptedCounts.reduce(0, +)
            mean = result.overall.mean
            standardError = result.overall.standardError
            levels = result.levels.map {
                Level(level: $0.level, tasks: $0.estimate.prompts, accepted: $0.accepted, mean: $0.estimate.mean,
                      standardError: $0.estimate.standardError)
            }
        }
    }

    struct Gold: Encodable {
        struct Level: Encodable { var level: Int; var tasks: Int; var tokens: Int; var meanPerTask: Double; var meanPerToken: Double }
        var tasks: Int
        var tokens: Int
        var unscored: Int
        var meanPerTask: Double
        var meanPerToken: Double
        var levels: [Level]

        init(_ result: GoldLikelihood) {
            tasks = result.overall.tasks
            tokens = result.overall.tokens
            unscored = result.unscored
            meanPerTask = result.overall.meanPerTask
            meanPerToken = result.overall.meanPerToken
            levels = result.levels.map {
                Level(level: $0.level, tasks: $0.summary.tasks, tokens: $0.summary.tokens,
                      meanPerTask: $0.summary.meanPerTask, meanPerToken: $0.summary.meanPerToken)
            }
        }
    }

    var weights: Weights
    var tasks: Int
    var greedy: Greedy?
    var expectedAccuracy: Expected?
    var goldLogLikelihood: Gold?
    var seconds = 0.0

    init(weights contents: WeightsFile.Contents, tasks: Int) {
        let config = contents.config
        weights = Weights(
            modelVersion: contents.modelVersion, width: config.width, layers: config.layers, heads: config.heads,
            contextLength: config.contextLength, parameters: config.parameterCount)
        self.tasks = tasks
    }

    func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    var text: String {
        var lines = ["weights: version \(weights.modelVersion), width \(weights.width), \(weights.layers) layers, \(weights.parameters) parameters"]
        if let greedy {
            lines.append("greedy decoding (temperature 0):")
            lines.append(greedy.evaluation.table)
        }
        if let expected = expectedAccuracy {
            lines.append(String(format: "expected accuracy at temperature %g (top-p %g), %d samples per task, seed %llu, max tokens %d:",
                                Double(expected.temperature), Double(expected.topP), expected.samplesPerTask, expected.seed, expected.maxTokens))
            lines.append("level  tasks  samples  accepted      mean  std. error")
            func row(_ name: String, _ tasks: Int, _ accepted: Int, _ mean: Double, _ standardError: Double?) -> String {
                let error = standardError.map { String(format: "%9.1f%%", $0 * 100) } ?? "        -"
                return name.padded(5) + "  " + String(tasks).padded(5) + "  " + String(tasks * expected.samplesPerTask).padded(7)
                    + "  " + String(accepted).padded(8) + "  " + String(format: "%7.1f%%", mean * 100) + "  " + error
            }
            for level in expected.levels { lines.append(row(String(level.level), level.tasks, level.accepted, level.mean, level.standardError)) }
            lines.append(row("all", expected.tasks, expected.accepted, expected.mean, expected.standardError))
            lines.append("std. error: of the mean over tasks (standard deviation of per-task accuracies / sqrt(tasks))")
        }
        if let gold = goldLogLikelihood {
            lines.append(String(format: "gold chain of thought, teacher-forced: mean log-likelihood %.3f nats per task (sum over solution and end of text), %.4f per token; %d tasks, %d tokens",
                                gold.meanPerTask, gold.meanPerToken, gold.tasks, gold.tokens)
                         + (gold.unscored > 0 ? ", \(gold.unscored) tasks too long for the context left out" : ""))
            for level in gold.levels {
                lines.append(String(format: "  level %d: %.3f per task, %.4f per token", level.level, level.meanPerTask, level.meanPerToken))
            }
        }
        lines.append(String(format: "%d tasks in %.1f s", tasks, seconds))
        return lines.joined(separator: "\n")
    }
}

private extension String {
    func padded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
