import Foundation
import GRDB
import Shared

/// The trainer's reads and writes (`TrainingStore`). Each write is one
/// transaction; the model is never run inside one.
extension SQLiteStore {
    /// The next job of an active run: the version-0 evaluation first, then
    /// iterations in `train` or `evaluate`, oldest run first. Only built-in
    /// runs have weights or reach those stages.
    func nextBuiltinJob() async throws -> BuiltinJob? {
        try await pool.read { db in
            if let runId = try Int.fetchOne(
                db,
                sql: """
                    SELECT r.id FROM run r
                    WHERE r.state = ?
                      AND EXISTS (SELECT 1 FROM modelWeights w WHERE w.runId = r.id AND w.version = '0')
                      AND NOT EXISTS (SELECT 1 FROM evaluation e WHERE e.runId = r.id AND e.modelVersion = '0')
                    ORDER BY r.id LIMIT 1
                    """,
                arguments: [RunState.active])
            {
                return .evaluateInitial(runId: runId)
            }
            guard let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT i.runId, i.number, i.stage FROM iteration i JOIN run r ON r.id = i.runId
                    WHERE r.state = ? AND i.stage IN (?, ?)
                    ORDER BY i.runId, i.number LIMIT 1
                    """,
                arguments: [RunState.active, IterationStage.train, IterationStage.evaluate])
            else { return nil }
            let runId: Int = row["runId"]
            let iteration: Int = row["number"]
            let stage: IterationStage = try row.stored("stage", table: "iteration", row: ["runId": runId, "number": iteration])
            return stage == .train ? .train(runId: runId, iteration: iteration) : .evaluate(runId: runId, iteration: iteration)
        }
    }

    func trainingInputs(runId: Int, iteration: Int) async throws -> TrainingInputs {
        try await pool.read { db in
            let run = try self.runRow(db, id: runId)
            guard let builtin = run.configuration.builtin else {
                throw RequestRefusal.conflict("run \(runId) is not a run on the built-in model")
            }
            guard let modelVersion = try Self.iterationModelVersion(db, runId: runId, iteration: iteration) else {
                throw RequestRefusal.notFound("run \(runId) has no iteration \(iteration)")
            }
            guard let weights = try Self.storedWeights(db, runId: runId, version: modelVersion) else {
                throw RequestRefusal.notFound("run \(runId) has no weights of model version \"\(modelVersion)\"")
            }
            // How many of each prompt's pre-samples (the first by index) the
            // iteration trains on, beside every sample-stage trace.
            let configuration = run.configuration
            var presamplesUsed: [Int: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT promptId, allocatedCount, presampleCount FROM iterationPrompt WHERE runId = ? AND iteration = ?",
                arguments: [runId, iteration])
            {
                presamplesUsed[row["promptId"]] = configuration.presampleAccounting.presamplesTrainedOn(
                    allocated: row["allocatedCount"] ?? 0, presamples: row["presampleCount"] ?? configuration.presamplesDrawn,
                    trainOnPresamples: configuration.trainOnPresamples)
            }
            let stages: [SamplingStage] = presamplesUsed.values.contains { $0 > 0 } ? [.presample, .sample] : [.sample]
            let traces = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, stage, promptId, sampleIndex, response, reward, finishReason, tokenLogprobs FROM trace
                    WHERE runId = ? AND iteration = ? AND stage IN (\(databaseQuestionMarks(count: stages.count)))
                    ORDER BY stage, promptId, sampleIndex
                    """,
                arguments: [runId, iteration] + StatementArguments(stages)
            ).map { row -> TrainingTrace in
                let traceId: Int64 = row["id"]
                return TrainingTrace(
                    stage: try row.stored("stage", table: "trace", row: ["id": traceId]), promptId: row["promptId"],
                    sampleIndex: row["sampleIndex"], response: row["response"], reward: row["reward"],
                    finishReason: try row.stored("finishReason", table: "trace", row: ["id": traceId]),
                    tokenLogprobsJSON: row["tokenLogprobs"])
            }.filter { $0.stage == .sample || $0.sampleIndex < presamplesUsed[$0.promptId, default: 0] }
            var problems: [Int: String] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT p.position, p.problem FROM iterationPrompt i
                    JOIN prompt p ON p.datasetId = ? AND p.position = i.promptId
                    WHERE i.runId = ? AND i.iteration = ?
                    """,
                arguments: [run.datasetId, runId, iteration])
            {
                problems[row["position"]] = row["problem"]
            }
            return TrainingInputs(
                runId: runId, iteration: iteration, configuration: run.configuration, builtin: builtin,
                modelVersion: modelVersion, weights: weights, traces: traces, problems: problems)
        }
    }

    /// Starts (or, after a restart, starts again) the record of a train stage.
    func beginTraining(
        runId: Int, iteration: Int, steps: Int, sequences: Int, skippedTraces: Int, droppedGroups: Int, now: Date
    ) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO training (runId, iteration, steps, sequences, skippedTraces, droppedGroups, startedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(runId, iteration) DO UPDATE SET
                        steps = excluded.steps, stepsDone = 0, sequences = excluded.sequences,
                        skippedTraces = excluded.skippedTraces, droppedGroups = excluded.droppedGroups,
                        meanLoss = NULL, meanRatio = NULL, clippedFraction = NULL, meanGradNorm = NULL,
                        modelVersion = NULL, startedAt = excluded.startedAt, finishedAt = NULL
                    """,
                arguments: [runId, iteration, steps, sequences, skippedTraces, droppedGroups, now])
        }
    }

    /// Progress for the status while the stage runs.
    func recordTrainingProgress(runId: Int, iteration: Int, statistics: TrainingStatistics) async throws {
        try await pool.write { db in
            try Self.writeStatistics(db, runId: runId, iteration: iteration, statistics: statistics)
        }
    }

    /// The end of a train stage, in one transaction: the new version's
    /// weights, the stage's figures, the iteration on to `evaluate` and the
    /// run on to the new version. A crash before it leaves the iteration in
    /// `train`, to be trained again. False when the run was cancelled or the
    /// iteration moved on meanwhile; nothing is written then.
    func completeTraining(
        runId: Int, iteration: Int, version: String, weights: CheckedWeights, statistics: TrainingStatistics, now: Date
    ) async throws -> Bool {
        try await pool.write { db in
            let run = try self.runRow(db, id: runId)
            // A cancelled run's stage is not even read.
            guard run.state != .cancelled, let next = IterationStageRules.afterTraining(
                at: try Self.iterationStage(db, runId: runId, iteration: iteration), runState: run.state)
            else { return false }
            try db.execute(
                sql: """
                    INSERT INTO modelWeights (runId, version, bytes, sha256, createdAt) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(runId, version) DO UPDATE SET
                        bytes = excluded.bytes, sha256 = excluded.sha256, createdAt = excluded.createdAt
                    """,
                arguments: [runId, version, weights.bytes, weights.sha256, now])
            try Self.writeStatistics(db, runId: runId, iteration: iteration, statistics: statistics)
            try db.execute(
                sql: "UPDATE training SET modelVersion = ?, finishedAt = ? WHERE runId = ? AND iteration = ?",
                arguments: [version, now, runId, iteration])
            try db.execute(
                sql: "UPDATE iteration SET stage = ? WHERE runId = ? AND number = ?",
                arguments: [next, runId, iteration])
            try db.execute(sql: "UPDATE run SET modelVersion = ? WHERE id = ?", arguments: [version, runId])
            return true
        }
    }

    private static func writeStatistics(_ db: Database, runId: Int, iteration: Int, statistics: TrainingStatistics) throws {
        try db.execute(
            sql: """
                UPDATE training SET stepsDone = ?, meanLoss = ?, meanRatio = ?, clippedFraction = ?, meanGradNorm = ?
                WHERE runId = ? AND iteration = ?
                """,
            arguments: [
                statistics.steps, statistics.meanLoss, statistics.meanRatio, statistics.clippedFraction,
                statistics.meanGradNorm, runId, iteration,
            ])
    }

    /// The version an iteration's train stage made, which its evaluate stage tests.
    func trainedVersion(runId: Int, iteration: Int) async throws -> String {
        try await pool.read { db in
            guard let version = try String.fetchOne(
                db, sql: "SELECT modelVersion FROM training WHERE runId = ? AND iteration = ? AND finishedAt IS NOT NULL",
                arguments: [runId, iteration])
            else { throw RequestRefusal.notFound("iteration \(iteration) of run \(runId) has not been trained") }
            return version
        }
    }

    func evaluationInputs(runId: Int, modelVersion: String) async throws -> EvaluationInputs {
        try await pool.read { db in
            let run = try self.runRow(db, id: runId)
            guard let builtin = run.configuration.builtin else {
                throw RequestRefusal.conflict("run \(runId) is not a run on the built-in model")
            }
            guard let weights = try Self.storedWeights(db, runId: runId, version: modelVersion) else {
                throw RequestRefusal.notFound("run \(runId) has no weights of model version \"\(modelVersion)\"")
            }
            let prompts = try Row.fetchAll(
                db,
                sql: """
                    SELECT p.problem, p.answer, p.level FROM prompt p JOIN dataset d ON d.id = p.datasetId
                    WHERE d.name = ? ORDER BY p.position LIMIT ?
                    """,
                arguments: [builtin.testDataset, builtin.testPrompts == 0 ? -1 : builtin.testPrompts]
            ).map { TestPrompt(problem: $0["problem"], answer: $0["answer"], level: $0["level"]) }
            return EvaluationInputs(
                configuration: run.configuration, modelVersion: modelVersion, weights: weights, prompts: prompts)
        }
    }

    /// Version 0's accuracy; kept once.
    func recordInitialEvaluation(runId: Int, evaluation: TestEvaluation) async throws {
        try await pool.write { db in
            try Self.insertEvaluation(db, runId: runId, evaluation: evaluation)
        }
    }

    /// The end of an evaluate stage, in one transaction: the accuracy, the
    /// iteration done, and the next iteration started on the new version (or
    /// the run completed). False when the run was cancelled or the iteration
    /// moved on meanwhile; nothing is written then.
    func completeEvaluation(runId: Int, iteration: Int, evaluation: TestEvaluation, now: Date) async throws -> Bool {
        try await pool.write { db in
            let run = try self.runRow(db, id: runId)
            // A cancelled run's stage is not even read.
            guard run.state != .cancelled, let next = IterationStageRules.afterEvaluation(
                at: try Self.iterationStage(db, runId: runId, iteration: iteration), runState: run.state)
            else { return false }
            try Self.insertEvaluation(db, runId: runId, evaluation: evaluation)
            try db.execute(
                sql: "UPDATE iteration SET stage = ?, finishedAt = ? WHERE runId = ? AND number = ?",
                arguments: [next, now, runId, iteration])
            try self.finishIteration(db, run: run, iteration: iteration, now: now)
            return true
        }
    }

    private static func insertEvaluation(_ db: Database, runId: Int, evaluation: TestEvaluation) throws {
        try db.execute(
            sql: """
                INSERT INTO evaluation (runId, modelVersion, prompts, correct, byLevel, evaluatedAt) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(runId, modelVersion) DO UPDATE SET
                    prompts = excluded.prompts, correct = excluded.correct, byLevel = excluded.byLevel,
                    evaluatedAt = excluded.evaluatedAt
                """,
            arguments: [
                runId, evaluation.modelVersion, evaluation.prompts, evaluation.correct, try json(evaluation.byLevel),
                evaluation.evaluatedAt,
            ])
    }

    // MARK: Reading the records back

    static func trainingSummary(_ db: Database, runId: Int, iteration: Int) throws -> TrainingSummary? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM training WHERE runId = ? AND iteration = ?"), arguments: [runId, iteration]
        ).map {
            TrainingSummary(
                steps: $0["steps"], stepsDone: $0["stepsDone"], sequences: $0["sequences"],
                skippedTraces: $0["skippedTraces"], droppedGroups: $0["droppedGroups"], meanLoss: $0["meanLoss"],
                meanRatio: $0["meanRatio"], clippedFraction: $0["clippedFraction"], meanGradNorm: $0["meanGradNorm"],
                modelVersion: $0["modelVersion"], startedAt: $0["startedAt"], finishedAt: $0["finishedAt"])
        }
    }

    static func testEvaluation(_ db: Database, runId: Int, modelVersion: String) throws -> TestEvaluation? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM evaluation WHERE runId = ? AND modelVersion = ?"),
            arguments: [runId, modelVersion]
        ).map(testEvaluation(row:))
    }

    /// The evaluation of the run's newest evaluated version (versions are
    /// whole numbers for built-in runs, so they sort as numbers).
    static func latestEvaluation(_ db: Database, runId: Int) throws -> TestEvaluation? {
        try Row.fetchOne(
            db.cachedStatement(sql: """
                SELECT * FROM evaluation WHERE runId = ? ORDER BY CAST(modelVersion AS INTEGER) DESC LIMIT 1
                """),
            arguments: [runId]
        ).map(testEvaluation(row:))
    }

    private static func testEvaluation(row: Row) throws -> TestEvaluation {
        let prompts: Int = row["prompts"]
        let correct: Int = row["correct"]
        return TestEvaluation(
            modelVersion: row["modelVersion"], prompts: prompts, correct: correct,
            accuracy: prompts > 0 ? Double(correct) / Double(prompts) : 0,
            byLevel: try decode([TestEvaluation.Level].self, json: row["byLevel"]), evaluatedAt: row["evaluatedAt"])
    }
}
