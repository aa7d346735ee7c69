import ArgumentParser
import Foundation
import Policy

/// `gvm-model warm-start`: supervised training on gold chains of thought,
/// stopped at a step count or a validation accuracy, written as version 0.
/// It never reads the test split, so version 0's test accuracy is unbiased.
struct WarmStartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warm-start",
        abstract: "Train a new built-in model on gold chains of thought and write it as version 0.",
        discussion: """
            Stops after --steps optimiser steps, or earlier at the first evaluation whose accuracy \
            on --eval-tasks validation tasks reaches --target-accuracy. Version 0 should be partly right: \
            GVM's allocation matters where acceptance rates are spread between 0 and 1.
            """
    )

    @Option(help: "Training tasks (gvm-model tasks' train.jsonl).")
    var train: String
    @Option(help: "Validation tasks, the stopping set (gvm-model tasks' validation.jsonl; not the test split).")
    var validation: String
    /// Refused with a pointer to --validation: the warm start must not stop on test tasks.
    @Option(help: .hidden)
    var test: String?
    @Option(help: "Where to write the weights.")
    var output: String
    @OptionGroup var shape: ModelShapeOptions
    @Option(help: "Most optimiser steps.")
    var steps = 3000
    @Option(help: "Stop once validation accuracy reaches this (0 to 1; 1 disables it).")
    var targetAccuracy = 1.0
    @Option(help: "Evaluate every this many steps.")
    var evalEvery = 250
    @Option(help: "Validation tasks per evaluation (from the start of the file).")
    var evalTasks = 300
    @Option(help: "Sequences per step.")
    var batchSize = 32
    @Option(help: "AdamW learning rate after warm-up.")
    var learningRate: Float = 2e-3
    @Option(help: "Seed of the initial weights and the minibatches.")
    var seed: UInt64 = 1

    func validate() throws {
        if test != nil {
            throw ValidationError("--test: the warm start no longer reads the test split; pass --validation with gvm-model tasks' validation.jsonl")
        }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
        guard (0...1).contains(targetAccuracy) else { throw ValidationError("--target-accuracy must be in [0, 1], got \(targetAccuracy)") }
        guard evalEvery >= 1 else { throw ValidationError("--eval-every must be at least 1, got \(evalEvery)") }
        guard evalTasks >= 1 else { throw ValidationError("--eval-tasks must be at least 1, got \(evalTasks)") }
        guard (1...1024).contains(batchSize) else { throw ValidationError("--batch-size must be 1 to 1024, got \(batchSize)") }
        guard learningRate.isFinite && learningRate > 0 else { throw ValidationError("--learning-rate must be > 0, got \(learningRate)") }
        _ = try shape.config()
    }

    func run() throws {
        let config = try shape.config()
        let trainTasks = try readTasks(train)
        let validationTasks = Array(try readTasks(validation).prefix(evalTasks))
        // Stopping on test problems would bias every later test accuracy upward.
        if let leaked = validationTasks.first(where: { TaskSplit(problem: $0.problem) == .test }) {
            throw ValidationError("--validation: \(validation) holds test-split problem \(leaked.problem); pass gvm-model tasks' validation.jsonl")
        }
        let model = try TransformerModel(config: config, seed: seed, maxBatch: batchSize)
        let trainer = try SupervisedTrainer(
            model: model, tasks: trainTasks,
            settings: .init(batchSize: batchSize, learningRate: learningRate, seed: seed))
        say("model: width \(config.width), \(config.layers) layers, \(config.heads) heads, context \(config.contextLength), \(config.parameterCount) parameters")
        say("train: \(trainTasks.count) tasks; evaluation: \(validationTasks.count) validation tasks every \(evalEvery) steps")

        let clock = ContinuousClock()
        let start = clock.now
        var trainingTime = Duration.zero
        var tokens = 0
        var lossSum = 0.0
        var lossSteps = 0
        var evaluation: TaskEvaluation?
        for step in 1...steps {
            let stepStart = clock.now
            let report = trainer.trainStep()
            trainingTime += clock.now - stepStart
            tokens += report.tokens
            lossSum += report.loss
            lossSteps += 1
            guard step % evalEvery == 0 || step == steps else { continue }
            let result = try TaskEvaluation.run(model: model, tasks: validationTasks)
            evaluation = result
            let levels = result.levels.map { "L\($0.level) \(Int(($0.accuracy * 100).rounded()))%" }.joined(separator: " ")
            say(String(
                format: "step %5d  loss %.3f  %6.0f tokens/s  %5.0f s  validation %.1f%%  ",
                step, lossSum / Double(lossSteps), Double(tokens) / trainingTime.seconds, (clock.now - start).seconds,
                result.accuracy * 100) + "(" + levels + ")")
            lossSum = 0
            lossSteps = 0
            if result.accuracy >= targetAccuracy {
                print("target validation accuracy \(targetAccuracy) reached")
                break
            }
        }
        do {
            try WeightsFile.write(model, version: 0, to: URL(fileURLWithPath: output))
        } catch {
            throw ValidationError("cannot write \(output): \(error)")
        }
        if let evaluation { print(evaluation.table) }
        print("wrote version 0 to \(output) after \(trainer.step) steps, \(String(format: "%.0f", (clock.now - start).seconds)) s")
    }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}
