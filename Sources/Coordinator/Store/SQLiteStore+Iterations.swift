import Foundation
import GRDB
import Shared

/// The iteration state machine, `presample → allocate → sample → train →
/// evaluate → done`, executed as `IterationStageRules` decide. Every step
/// runs inside the transaction that caused it, so a crash never leaves an
/// iteration between stages. A stage's work units are the exception: its
/// transaction records their plan and the first batch, and `WorkQueuer`
/// writes the rest (SQLiteStore+WorkQueueing).
extension SQLiteStore {
    /// Creates iteration `number` of a run with its batch and first work.
    func startIteration(_ db: Database, runId: Int, number: Int, now: Date) throws {
        let run = try runRow(db, id: runId)
        let configuration = run.configuration
        let datasetSize = try Int.fetchOne(
            db, sql: "SELECT promptCount FROM dataset WHERE id = ?", arguments: [run.datasetId]) ?? 0
        let batch = IterationPlanner.batch(
            iteration: number, configuration: configuration, orderVersion: run.orderVersion, datasetSize: datasetSize)
        let opening = IterationStageRules(configuration: configuration).opening

        try db.execute(
            sql: """
                INSERT INTO iteration (runId, number, stage, modelVersion, promptCount, budget, startedAt)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                runId, number, opening.stage, run.modelVersion, batch.count,
                configuration.budget(promptCount: batch.count), now,
            ])
        let insertPrompt = try db.makeStatement(
            sql: "INSERT INTO iterationPrompt (runId, iteration, batchIndex, promptId) VALUES (?, ?, ?, ?)")
        for (batchIndex, promptId) in batch.enumerated() {
            try insertPrompt.execute(arguments: [runId, number, batchIndex, promptId])
        }
        try db.execute(sql: "UPDATE run SET currentIteration = ? WHERE id = ?", arguments: [number, runId])

        // With history statistics, the history picks the prompts to
        // pre-sample (step 2 of the rule) and, without a presample stage,
        // allocates at once (step 4 with nothing drawn yet).
        let needs = configuration.strategyNeeds
        let estimates = try needs.usesHistory
            ? historyEstimates(db, run: run, iteration: number, batch: batch) : nil
        let presampleCounts = IterationPlanner.presampleCounts(needs: needs, estimates: estimates, batchSize: batch.count)
        if case .whereUncertain = needs.presamples {
            let store = try db.makeStatement(sql: """
                UPDATE iterationPrompt SET presampleCount = ? WHERE runId = ? AND iteration = ? AND batchIndex = ?
                """)
            for (batchIndex, count) in presampleCounts.enumerated() {
                try store.execute(arguments: [count, runId, number, batchIndex])
            }
        }

        switch opening {
        case .presample:
            try Self.planWork(
                db, runId: runId, iteration: number, stage: .presample, configuration: configuration,
                counts: presampleCounts)
            // The history may leave every prompt without pre-samples.
            try advanceIfStageComplete(db, runId: runId, iteration: number, now: now)
        case .sampleDirectly:
            let outcome = try allocationOutcome(
                db, run: run, iteration: number, estimates: estimates,
                statistics: Array(repeating: PromptStageStatistics(), count: batch.count))
            try applyAllocation(
                db, runId: runId, iteration: number, configuration: configuration, batch: batch,
                presampleCounts: presampleCounts, outcome: outcome, now: now)
        }
    }

    /// The allocation of an iteration: from the history's estimates when the
    /// run uses them (which are recorded beside n_i), else from `statistics`.
    func allocationOutcome(
        _ db: Database, run: RunRow, iteration: Int, estimates: [PromptEstimate]?, statistics: [PromptStageStatistics]
    ) throws -> IterationPlanner.AllocationOutcome {
        let configuration = run.configuration
        guard let estimates else { return IterationPlanner.allocate(statistics: statistics, configuration: configuration) }
        try Self.recordEstimates(
            db, runId: run.id, iteration: iteration, estimates: estimates, flagsApply: configuration.algorithm == .grpo)
        return IterationPlanner.allocate(estimates: estimates, configuration: configuration)
    }

    /// The history estimates of a batch at `iteration` under the run's parameters.
    func historyEstimates(_ db: Database, run: RunRow, iteration: Int, batch: [Int]) throws -> [PromptEstimate] {
        let configuration = run.configuration
        return try Self.historyEstimates(
            db, runId: run.id, datasetId: run.datasetId, iteration: iteration, batch: batch,
            parameters: configuration.history ?? .defaults, presamples: configuration.presamplesDrawn)
    }

    /// Records n_i and queues the sample stage.
    func applyAllocation(
        _ db: Database, runId: Int, iteration: Int, configuration: RunConfiguration, batch: [Int],
        presampleCounts: [Int], outcome: IterationPlanner.AllocationOutcome, now: Date
    ) throws {
        let update = try db.makeStatement(sql: """
            UPDATE iterationPrompt SET allocatedCount = ?, allocatedRatio = ?
            WHERE runId = ? AND iteration = ? AND batchIndex = ?
            """)
        for batchIndex in batch.indices {
            try update.execute(arguments: [
                outcome.allocation.counts[batchIndex], outcome.allocation.ratios[batchIndex], runId, iteration, batchIndex,
            ])
        }
        try db.execute(
            sql: """
                UPDATE iteration SET stage = ?, fellBackToUniform = ?, fallbackReason = ?, unallocated = ?
                WHERE runId = ? AND number = ?
                """,
            arguments: [
                IterationStageRules.afterAllocation, outcome.fallbackReason != nil, outcome.fallbackReason,
                outcome.allocation.unallocated, runId, iteration,
            ])
        // Under countTowardBudget a prompt's pre-samples stand for part of
        // its n_i, and only the rest is generated.
        // The units themselves are queued in bounded batches (planWork).
        var counts = IterationPlanner.newSamples(
            allocation: outcome.allocation, presampleCounts: presampleCounts, configuration: configuration)
        if let rounds = configuration.rounds {
            counts = try Self.firstRounds(db, runId: runId, iteration: iteration, rounds: rounds, caps: counts)
        }
        try Self.planWork(db, runId: runId, iteration: iteration, stage: .sample, configuration: configuration, counts: counts)
        try advanceIfStageComplete(db, runId: runId, iteration: iteration, now: now)
    }

    /// Moves an iteration on when its current sampling stage has no work left.
    func advanceIfStageComplete(_ db: Database, runId: Int, iteration: Int, now: Date) throws {
        let stage = try Self.iterationStage(db, runId: runId, iteration: iteration)
        guard let sampling = SamplingStage(rawValue: stage.rawValue) else { return }
        let open = try Bool.fetchOne(
            db.cachedStatement(sql: Self.openUnitExists),
            arguments: [runId, iteration, sampling] + StatementArguments(WorkUnitState.open)) ?? false
        // Units not yet queued (WorkQueuer) are open work too.
        guard !open, try !Self.hasUnqueuedWork(db, runId: runId, iteration: iteration, stage: sampling) else { return }

        let run = try runRow(db, id: runId)
        let end = IterationStageRules(configuration: run.configuration).afterSampling(sampling)
        switch end {
        case .allocate:
            try db.execute(
                sql: "UPDATE iteration SET stage = ? WHERE runId = ? AND number = ?",
                arguments: [end.stage, runId, iteration])
            let configuration = run.configuration
            let records = try Self.presampleStatistics(db, runId: runId, iteration: iteration)
            let batch = records.map(\.promptId)
            // Step 4: the history's estimates now include this iteration's pre-samples.
            let estimates = try configuration.strategyNeeds.usesHistory
                ? historyEstimates(db, run: run, iteration: iteration, batch: batch) : nil
            let outcome = try allocationOutcome(
                db, run: run, iteration: iteration, estimates: estimates, statistics: records.map(\.statistics))
            try applyAllocation(
                db, runId: runId, iteration: iteration, configuration: configuration, batch: batch,
                presampleCounts: try Self.presampleCounts(db, runId: runId, iteration: iteration, configuration: configuration),
                outcome: outcome, now: now)
        case .train:
            // The coordinator's trainer takes it from here (BuiltinTrainer).
            try db.execute(
                sql: "UPDATE iteration SET stage = ? WHERE runId = ? AND number = ?",
                arguments: [end.stage, runId, iteration])
        case .done:
            try db.execute(
                sql: "UPDATE iteration SET stage = ?, finishedAt = ? WHERE runId = ? AND number = ?",
                arguments: [end.stage, now, runId, iteration])
            try finishIteration(db, run: run, iteration: iteration, now: now)
        }
    }

    /// The open states listed, so the (runId, iteration, stage, state) index
    /// answers with lookups instead of scanning the stage's units on every result.
    private static let openUnitExists = """
        SELECT EXISTS (SELECT 1 FROM workUnit WHERE runId = ? AND iteration = ? AND stage = ?
                         AND state IN (\(databaseQuestionMarks(count: WorkUnitState.open.count))))
        """

    /// The pre-sampling statistics of an iteration's prompts in batch order:
    /// what the allocation reads, and no more (`promptRecords` also gathers
    /// failures and releases, which this transaction does not need).
    static func presampleStatistics(
        _ db: Database, runId: Int, iteration: Int
    ) throws -> [(promptId: Int, statistics: PromptStageStatistics)] {
        try Row.fetchAll(
            db.cachedStatement(sql: """
                SELECT p.promptId, s.samples, s.accepted, s.gradNormSum, s.gradNormSquareSum
                FROM iterationPrompt p
                LEFT JOIN promptStatistics s ON s.runId = p.runId AND s.iteration = p.iteration
                     AND s.promptId = p.promptId AND s.stage = ?
                WHERE p.runId = ? AND p.iteration = ? ORDER BY p.batchIndex
                """),
            arguments: [SamplingStage.presample, runId, iteration]
        ).map {
            (
                $0["promptId"],
                PromptStageStatistics(
                    samples: $0["samples"] ?? 0, accepted: $0["accepted"] ?? 0,
                    gradNormSum: $0["gradNormSum"] ?? 0, gradNormSquareSum: $0["gradNormSquareSum"] ?? 0)
            )
        }
    }

    /// After an iteration is done: start the next one, wait for an advance,
    /// or complete the run.
    func finishIteration(_ db: Database, run: RunRow, iteration: Int, now: Date) throws {
        switch IterationStageRules(configuration: run.configuration).afterIteration(iteration, runState: run.state) {
        case .stay:
            return
        case .completeRun:
            try db.execute(sql: "UPDATE run SET state = ? WHERE id = ?", arguments: [RunState.completed, run.id])
        case .startNext(let next):
            try startIteration(db, runId: run.id, number: next, now: now)
        case .waitForAdvance:
            try db.execute(sql: "UPDATE run SET state = ? WHERE id = ?", arguments: [RunState.waiting, run.id])
        }
    }
}
