import ArgumentParser
import Foundation
import Policy

/// `gvm-model evaluate`: greedy accuracy of a weights file, by level.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Print a weights file's test accuracy per difficulty level and overall (greedy decoding)."
    )

    @Option(help: "The weights file.")
    var weights: String
    @Option(help: "Tasks to evaluate on (gvm-model tasks' test.jsonl).")
    var tasks: String
    @Option(help: "Evaluate only the first this many tasks (default: all).")
    var limit: Int?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
    }

    func run() throws {
        let contents: WeightsFile.Contents
        do {
            contents = try WeightsFile.read(from: URL(fileURLWithPath: weights))
        } catch {
            throw ValidationError("\(weights): \(error)")
        }
        var chosen = try readTasks(tasks)
        if let limit { chosen = Array(chosen.prefix(limit)) }
        let model = try TransformerModel(weights: contents, maxBatch: 1)
        let clock = ContinuousClock()
        let start = clock.now
        let evaluation = try TaskEvaluation.run(model: model, tasks: chosen)
        print("weights: version \(contents.modelVersion), width \(contents.config.width), \(contents.config.layers) layers, \(contents.config.parameterCount) parameters")
        print(evaluation.table)
        print(String(format: "%d tasks in %.1f s", evaluation.tasks, (clock.now - start).seconds))
    }
}
