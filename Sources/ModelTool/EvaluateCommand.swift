import ArgumentParser
import Foundation
import Policy

/// `gvm-model evaluate`: a weights file's accuracy by level, greedy or
/// expected at a temperature, and the gold chain of thought's log-likelihood.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Print a weights file's accuracy per difficulty level and overall, and the log-likelihood of the gold chains of thought.",
        discussion: """
            Without --temperature: greedy decoding, one answer per task. With --temperature T: the \
            expected accuracy at T, from --samples K samples per task, judged as a run's sample stage \
            judges them (same prompt rendering, the same cap on new tokens as a run with \
            generation.maxTokens --max-tokens). Sample k of task i draws from a seed fixed by \
            (--seed, i, k), so two weights files evaluated with one seed share their random numbers. \
            The standard error is that of the mean over tasks: the standard deviation of the per-task \
            accuracies (accepted / K) over the square root of the number of tasks.

            Always: the gold chain of thought's log-likelihood, teacher-forced (no decoding): the sum \
            over the solution's tokens and end of text of log p, averaged over tasks, and the same \
            total per token, in nats. Works on any weights file, e.g. one fetched from \
            GET /v1/runs/{id}/weights/{version}.
            """
    )

    @Option(help: "The weights file.")
    var weights: String
    @Option(help: "Tasks to evaluate on (gvm-model tasks' test.jsonl).")
    var tasks: String
    @Option(help: "Evaluate only the first this many tasks (default: all).")
    var limit: Int?
    @Option(help: "Sample at this temperature and report the expected accuracy (default: greedy).")
    var temperature: Float?
    @Option(help: "Samples per task at --temperature (K).")
    var samples: Int?
    @Option(help: "Seed of the samples at --temperature.")
    var seed: UInt64?
    @Option(help: "Top-p at --temperature, as a run's generation.topP.")
    var topP: Float?
    @Option(help: "A run's generation.maxTokens: new tokens per sample, capped at what fits the context.")
    var maxTokens = 2048
    @Flag(help: "Print one JSON object instead of tables.")
    var json = false

    static let defaultSamples = 8
    static let defaultSeed: UInt64 = 1

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
        if let temperature, !(temperature.isFinite && temperature >= 0) {
            throw ValidationError("--temperature must be a finite number >= 0, got \(temperature)")
        }
        if let samples, !(1...100_000).contains(samples) { throw ValidationError("--samples must be 1 to 100000, got \(samples)") }
        if let topP, !(topP > 0 && topP <= 1) { throw ValidationError("--top-p must be in (0, 1], got \(topP)") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1, got \(maxTokens)") }
        if temperature == nil {
            for (name, given) in [("--samples", samples != nil), ("--seed", seed != nil), ("--top-p", topP != nil)] where given {
                throw ValidationError("\(name) needs --temperature (without it, evaluation is greedy)")
            }
        }
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
        let model = try TransformerModel(weights: contents, maxBatch: 16)
        let clock = ContinuousClock()
        let start = clock.now

        var report = EvaluationReport(weights: contents, tasks: chosen.count)
        if let temperature {
            let settings = ExpectedAccuracy.Settings(
                samplesPerPrompt: samples ?? Self.defaultSamples, temperature: temperature, topP: topP ?? 1,
                seed: seed ?? Self.defaultSeed, maxTokens: maxTokens)
            report.expectedAccuracy = .init(try ExpectedAccuracy.run(model: model, tasks: chosen, settings: settings))
        } else {
            report.greedy = .init(try TaskEvaluation.run(model: model, tasks: chosen, maxNewTokens: maxTokens))
        }
        report.goldLogLikelihood = .init(GoldLikelihood.run(model: model, tasks: chosen))
        report.seconds = (clock.now - start).seconds

        if json {
            print(String(decoding: try report.jsonData(), as: UTF8.self))
        } else {
            print(report.text)
        }
    }
}
