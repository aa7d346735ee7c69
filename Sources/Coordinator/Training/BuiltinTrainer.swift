import Foundation
import Logging
import Policy
import ServiceLifecycle
import Shared
import Synchronization

/// Trains and evaluates the runs on the built-in model: the coordinator's
/// side of the `train` and `evaluate` stages.
///
/// It polls the store for work: version 0's test accuracy once per run, then
/// each iteration in `train` (AdamW steps on the iteration's traces, see
/// `TrainingSession`; the new weights and the move to `evaluate` are one
/// transaction) and in `evaluate` (greedy test accuracy of the new version;
/// stored with the move to `done` and the start of the next iteration, in one
/// transaction). Only active runs are served: a paused run waits here as it
/// does for leases. The model runs on a `ComputeThread`, never on the
/// cooperative pool and never inside a database transaction. A crash or a
/// shutdown in the middle of a stage loses only that stage's work, which is
/// done again, with the same result, on the next start.
final class BuiltinTrainer: Service, Sendable {
    /// Called after each optimiser step has been recorded (tests use it to
    /// stop a stage in the middle).
    typealias StepObserver = @Sendable (_ runId: Int, _ iteration: Int, _ stepsDone: Int) async throws -> Void

    private let store: any TrainingStore
    private let compute = ComputeThread(name: "gvm-trainer")
    private let logger: Logger
    private let pollInterval: Duration
    private let retryInterval: Duration
    private let afterStep: StepObserver?
    private let stopRequested = Atomic<Bool>(false)

    init(
        store: any TrainingStore, logger: Logger, pollInterval: Duration = .milliseconds(500),
        retryInterval: Duration = .seconds(5), afterStep: StepObserver? = nil
    ) {
        self.store = store
        self.logger = logger
        self.pollInterval = pollInterval
        self.retryInterval = retryInterval
        self.afterStep = afterStep
    }

    func run() async throws {
        try await withGracefulShutdownHandler {
            await cancelWhenGracefulShutdown { await self.serve() }
        } onGracefulShutdown: {
            self.requestStop()
        }
    }

    /// Asks a stage in progress to stop at its next step (or test prompt).
    func requestStop() {
        stopRequested.store(true, ordering: .relaxed)
    }

    private var isStopping: Bool { stopRequested.load(ordering: .relaxed) || Task.isCancelled }

    private func serve() async {
        let loop = PollingLoop(
            pollInterval: pollInterval, retryInterval: retryInterval, failureMessage: "built-in training failed; trying again")
        await loop.run(logger: logger, isStopping: { isStopping }) { try await processPending() }
    }

    /// Does every job there is, one after another, until none is left;
    /// returns how many it did.
    @discardableResult
    func processPending() async throws -> Int {
        var done = 0
        while !isStopping, let job = try await store.nextBuiltinJob() {
            try await perform(job)
            done += 1
        }
        if isStopping { throw CancellationError() }
        return done
    }

    private func perform(_ job: BuiltinJob) async throws {
        switch job {
        case .evaluateInitial(let runId):
            let evaluation = try await evaluate(runId: runId, version: "0")
            try await store.recordInitialEvaluation(runId: runId, evaluation: evaluation)
            logger.info("evaluated version 0", metadata: ["run": "\(runId)", "accuracy": "\(evaluation.accuracy)"])
        case .train(let runId, let iteration):
            try await train(runId: runId, iteration: iteration)
        case .evaluate(let runId, let iteration):
            let version = try await store.trainedVersion(runId: runId, iteration: iteration)
            let evaluation = try await evaluate(runId: runId, version: version)
            if try await store.completeEvaluation(runId: runId, iteration: iteration, evaluation: evaluation, now: Date()) {
                logger.info("evaluated", metadata: [
                    "run": "\(runId)", "iteration": "\(iteration)", "version": "\(version)", "accuracy": "\(evaluation.accuracy)",
                ])
            }
        }
    }

    private func train(runId: Int, iteration: Int) async throws {
        let inputs = try await store.trainingInputs(runId: runId, iteration: iteration)
        guard let current = UInt64(inputs.modelVersion) else {
            throw RequestRefusal.conflict("run \(runId) iteration \(iteration) has model version \"\(inputs.modelVersion)\", not a number")
        }
        let version = current + 1
        let orderVersion = try await store.orderVersion(runId: runId)
        let session = try await compute.run { try TrainingSession(inputs: inputs, orderVersion: orderVersion) }
        let trainingSet = session.trainingSet
        let steps = session.steps
        try await store.beginTraining(
            runId: runId, iteration: iteration, steps: steps, sequences: trainingSet.sequences.count,
            skippedTraces: trainingSet.skippedTraces, droppedGroups: trainingSet.droppedGroups, now: Date())
        var statistics = TrainingStatistics()
        if trainingSet.sequences.isEmpty {
            // Nothing to learn from (no accepted sample, or no GRPO group
            // with different rewards): the next version equals this one.
            logger.warning("no training sequences; the weights carry over", metadata: [
                "run": "\(runId)", "iteration": "\(iteration)", "skippedTraces": "\(trainingSet.skippedTraces)",
            ])
        } else {
            for _ in 0..<steps {
                if isStopping { throw CancellationError() }
                statistics.add(try await compute.run { session.step() })
                try await store.recordTrainingProgress(runId: runId, iteration: iteration, statistics: statistics)
                try await afterStep?(runId, iteration, statistics.steps)
            }
        }
        let weights = try await compute.run { session.weights(version: version) }
        if try await store.completeTraining(
            runId: runId, iteration: iteration, version: String(version), weights: weights, statistics: statistics, now: Date())
        {
            logger.info("trained", metadata: [
                "run": "\(runId)", "iteration": "\(iteration)", "version": "\(version)", "steps": "\(statistics.steps)",
                "meanLoss": "\(statistics.meanLoss ?? 0)",
            ])
        }
    }

    private func evaluate(runId: Int, version: String) async throws -> TestEvaluation {
        let inputs = try await store.evaluationInputs(runId: runId, modelVersion: version)
        return try await compute.run {
            try TestEvaluator.evaluate(inputs, now: Date()) { self.stopRequested.load(ordering: .relaxed) }
        }
    }
}
