import Foundation
import Shared

/// What the built-in trainer reads and writes, behind a protocol of its own
/// so that the trainer depends on no engine and on none of the routes'
/// methods. Each write is one transaction; the model never runs inside one.
/// The completing writes check that the iteration is still in their stage,
/// so a cancel or a second trainer that got there first wins cleanly.
protocol TrainingStore: Sendable {
    /// The next job of an active run: the version-0 evaluation first, then
    /// iterations in `train` or `evaluate`, oldest run first. Nil when there
    /// is none.
    func nextBuiltinJob() async throws -> BuiltinJob?

    /// Everything an iteration's train stage needs, read in one transaction.
    func trainingInputs(runId: Int, iteration: Int) async throws -> TrainingInputs
    /// How the run shuffles its prompts and minibatches.
    func orderVersion(runId: Int) async throws -> OrderVersion
    /// Starts (or, after a restart, starts again) the record of a train stage.
    func beginTraining(
        runId: Int, iteration: Int, steps: Int, sequences: Int, skippedTraces: Int, droppedGroups: Int, now: Date
    ) async throws
    /// Progress for the status while the stage runs.
    func recordTrainingProgress(runId: Int, iteration: Int, statistics: TrainingStatistics) async throws
    /// The new version's weights and the move to `evaluate`, together. False
    /// when the run was cancelled or the iteration moved on; nothing is written then.
    func completeTraining(
        runId: Int, iteration: Int, version: String, weights: CheckedWeights, statistics: TrainingStatistics, now: Date
    ) async throws -> Bool

    /// The version an iteration's train stage made, which its evaluate stage tests.
    func trainedVersion(runId: Int, iteration: Int) async throws -> String
    /// What evaluating one model version of the run needs.
    func evaluationInputs(runId: Int, modelVersion: String) async throws -> EvaluationInputs
    /// Version 0's accuracy; kept once.
    func recordInitialEvaluation(runId: Int, evaluation: TestEvaluation) async throws
    /// The accuracy, the iteration done, and the next iteration started (or
    /// the run completed), together. False when the run was cancelled or the
    /// iteration moved on; nothing is written then.
    func completeEvaluation(runId: Int, iteration: Int, evaluation: TestEvaluation, now: Date) async throws -> Bool
}
