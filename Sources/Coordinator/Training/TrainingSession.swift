import Foundation
import Policy
import Shared

/// One train stage on the built-in model: the iteration's weights, a fresh
/// AdamW, and the training sequences, stepped one optimiser step at a time.
///
/// Everything is a function of the stored inputs: the optimiser starts
/// fresh in every iteration (its moments are not carried over), and the
/// minibatches come from a generator seeded by the run's seed and the
/// iteration, shuffled the way the run's `orderVersion` says. So a train
/// stage interrupted by a crash and run again makes the same weights, byte
/// for byte.
///
/// Use it from one thread at a time (the trainer's `ComputeThread`).
final class TrainingSession: @unchecked Sendable {
    /// The most sequences one forward pass takes; larger minibatches are fed
    /// in slices (the activations are sized for this many).
    static let maxSlice = 16

    let model: TransformerModel
    let trainingSet: TrainingSet
    private let optimizer: AdamW
    private let builtin: BuiltinTraining
    private let orderVersion: OrderVersion
    /// The optimiser steps of this stage (`BuiltinTraining.trainingSteps`).
    let steps: Int
    private var generator: SplitMix64
    /// Sequence indices in this epoch's shuffled order.
    private var order: [Int]
    private var cursor = 0
    /// `epochsPerIteration` only: the places in minibatches still to fill,
    /// epochs · sequences at the start.
    private var slotsLeft = 0

    init(inputs: TrainingInputs, orderVersion: OrderVersion) throws {
        let contents = try WeightsFile.decode([UInt8](inputs.weights.bytes))
        builtin = inputs.builtin
        model = try TransformerModel(weights: contents, maxBatch: min(builtin.batchSize, Self.maxSlice))
        optimizer = AdamW(for: model, learningRate: Float(builtin.learningRate))
        let traces = builtin.trainingFraction.map {
            TraceSubsample.keep(inputs.traces, fraction: $0, runSeed: inputs.configuration.seed, iteration: inputs.iteration)
        } ?? inputs.traces
        trainingSet = TrainingSet(
            traces: traces, problems: inputs.problems, template: inputs.configuration.prompt,
            algorithm: inputs.configuration.algorithm, contextLength: contents.config.contextLength,
            balancePrompts: builtin.balancePrompts)
        self.orderVersion = orderVersion
        steps = builtin.trainingSteps.steps(sequences: trainingSet.sequences.count, batchSize: builtin.batchSize)
        if case .epochs(let epochs) = builtin.trainingSteps { slotsLeft = epochs * trainingSet.sequences.count }
        generator = SplitMix64(seed: Self.seed(runSeed: inputs.configuration.seed, iteration: inputs.iteration))
        order = Array(trainingSet.sequences.indices)
        orderVersion.shuffle(&order, using: &generator)
    }

    /// The minibatch generator's seed, from (run seed, iteration).
    static func seed(runSeed: Int, iteration: Int) -> UInt64 {
        var mix = SplitMix64(seed: UInt64(bitPattern: Int64(runSeed)) ^ 0x7EA1_0F_5EED)
        var step = SplitMix64(seed: mix.next() ^ (UInt64(iteration) &* 0xD1B5_4A32_D192_ED03))
        return step.next()
    }

    /// One AdamW step on the next minibatch, with the gradient's global norm
    /// clipped at `maxGradNorm` first. Needs at least one sequence (and,
    /// with epochs, one of the stage's `steps` left).
    func step() -> StepStatistics {
        precondition(!trainingSet.sequences.isEmpty, "a training step needs sequences")
        let minibatch = nextMinibatch()
        precondition(!minibatch.isEmpty, "the stage's epochs are used up")
        var statistics = PolicyGradient.accumulate(
            model: model, minibatch: minibatch.map { trainingSet.sequences[$0] }, clip: builtin.clip)
        statistics.gradNorm = model.clipGradients(maxNorm: builtin.maxGradNorm)
        optimizer.step(model)
        return statistics
    }

    /// The next minibatch's sequence indices.
    func nextMinibatch() -> [Int] {
        switch builtin.trainingSteps {
        case .fixed: nextDistinctMinibatch()
        case .epochs: nextEpochSlice()
        }
    }

    /// `stepsPerIteration`: `batchSize` distinct sequences (all of them when
    /// there are fewer), the next ones of a shuffled epoch, reshuffling when
    /// an epoch ends, for as many steps as asked.
    private func nextDistinctMinibatch() -> [Int] {
        let size = min(builtin.batchSize, order.count)
        var chosen: [Int] = []
        chosen.reserveCapacity(size)
        var taken = Set<Int>()
        while chosen.count < size {
            if cursor == order.count { startEpoch() }
            let index = order[cursor]
            cursor += 1
            // Across an epoch's end, a sequence may come up again too soon.
            if taken.insert(index).inserted { chosen.append(index) }
        }
        return chosen
    }

    /// `epochsPerIteration`: the epochs, each a fresh shuffle, laid end to end
    /// and cut into minibatches of `batchSize`, so that every sequence is seen
    /// exactly `epochs` times in ⌈epochs · sequences / batchSize⌉ steps. A
    /// minibatch that crosses an epoch's end takes the rest of one epoch and
    /// the start of the next, so it may hold a sequence twice (once for each
    /// epoch); the stage's last minibatch holds what is left, and may be
    /// smaller. Empty once every epoch is used up.
    private func nextEpochSlice() -> [Int] {
        let size = min(builtin.batchSize, slotsLeft)
        var chosen: [Int] = []
        chosen.reserveCapacity(size)
        while chosen.count < size {
            if cursor == order.count { startEpoch() }
            chosen.append(order[cursor])
            cursor += 1
        }
        slotsLeft -= size
        return chosen
    }

    private func startEpoch() {
        orderVersion.shuffle(&order, using: &generator)
        cursor = 0
    }

    /// The weights as the new version's file.
    func weights(version: UInt64) -> CheckedWeights {
        let bytes = Data(WeightsFile.encode(model, version: version))
        return CheckedWeights(bytes: bytes, sha256: BuiltinWeights.sha256Hex(bytes), config: model.config)
    }
}
