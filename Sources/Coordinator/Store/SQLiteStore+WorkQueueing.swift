import Foundation
import GRDB
import Shared

/// A stage's work units, written in bounded batches (`WorkQueueing`): the
/// transaction that starts the stage records its plan and writes the first
/// batch; `WorkQueuer` writes the rest (`WorkQueueingStore`), each batch a
/// write of its own, so a lease grant never waits behind more than one batch.
extension SQLiteStore {
    /// Records that `stage` of an iteration needs its prompts' samples
    /// queued, and queues the first batch. The iteration's `iterationPrompt`
    /// rows (and, for the sample stage, their n_i) must be written already.
    static func planWork(
        _ db: Database, runId: Int, iteration: Int, stage: SamplingStage, configuration: RunConfiguration,
        counts: [Int], limit: Int = WorkQueueing.unitsPerBatch
    ) throws {
        let perLease = configuration.maxSamplesPerLease
        let planned = counts.reduce(0) { $0 + WorkQueueing.unitCount(samples: $1, maxPerLease: perLease) }
        try db.execute(
            sql: """
                INSERT INTO workQueueing (
                    runId, iteration, stage, promptCount, maxSamplesPerLease, nextBatchIndex, nextSampleIndex,
                    plannedUnits, queuedUnits)
                VALUES (?, ?, ?, ?, ?, 0, 0, ?, 0)
                """,
            arguments: [runId, iteration, stage, counts.count, perLease, planned])
        _ = try queueBatch(db, runId: runId, iteration: iteration, stage: stage, configuration: configuration, limit: limit)
    }

    /// Whether a stage still has units to queue.
    static func hasUnqueuedWork(_ db: Database, runId: Int, iteration: Int, stage: SamplingStage) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: """
                SELECT EXISTS (SELECT 1 FROM workQueueing WHERE runId = ? AND iteration = ? AND stage = ?)
                """),
            arguments: [runId, iteration, stage]) ?? false
    }

    /// Queues the next batch of the stage's plan from its cursor; the plan
    /// goes once its last unit is queued. Returns how many units it wrote.
    static func queueBatch(
        _ db: Database, runId: Int, iteration: Int, stage: SamplingStage, configuration: RunConfiguration, limit: Int
    ) throws -> Int {
        guard let plan = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM workQueueing WHERE runId = ? AND iteration = ? AND stage = ?"),
            arguments: [runId, iteration, stage])
        else { return 0 }
        let cursor = WorkQueueing.Cursor(batchIndex: plan["nextBatchIndex"], sampleIndex: plan["nextSampleIndex"])
        let perLease: Int = plan["maxSamplesPerLease"]
        // Every prompt with samples gives at least one unit, so `limit`
        // prompts are enough to fill a batch.
        let prompts = try Row.fetchAll(
            db.cachedStatement(sql: """
                SELECT batchIndex, promptId, allocatedCount, presampleCount FROM iterationPrompt
                WHERE runId = ? AND iteration = ? AND batchIndex >= ? ORDER BY batchIndex LIMIT ?
                """),
            arguments: [runId, iteration, cursor.batchIndex, limit]
        ).map {
            WorkQueueing.PlannedPrompt(
                batchIndex: $0["batchIndex"], promptId: $0["promptId"],
                count: WorkQueueing.count(
                    stage: stage, allocatedCount: $0["allocatedCount"], presampleCount: $0["presampleCount"],
                    configuration: configuration))
        }
        // The plan and its prompt rows are written together, so a plan with
        // no prompt at its cursor is damaged; refuse rather than loop on it.
        guard !prompts.isEmpty || WorkQueueing.isComplete(cursor, promptCount: plan["promptCount"]) else {
            throw RequestRefusal.conflict(
                "run \(runId) iteration \(iteration) has no prompt at batch index \(cursor.batchIndex) to queue \(stage.rawValue) work for")
        }
        let batch = WorkQueueing.nextBatch(prompts: prompts, from: cursor, maxPerLease: perLease, limit: limit)

        let insert = try db.cachedStatement(sql: """
            INSERT INTO workUnit (runId, iteration, stage, promptId, firstSampleIndex, sampleCount, seed, state)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for unit in batch.units {
            let seed = RunDeterminism.leaseSeed(
                runSeed: configuration.leaseSeedBase, iteration: iteration, stage: stage,
                promptId: unit.promptId, firstSampleIndex: unit.firstSampleIndex)
            try insert.execute(arguments: [
                runId, iteration, stage, unit.promptId, unit.firstSampleIndex, unit.sampleCount, seed, WorkUnitState.queued,
            ])
        }
        if WorkQueueing.isComplete(batch.next, promptCount: plan["promptCount"]) {
            try db.cachedStatement(sql: "DELETE FROM workQueueing WHERE runId = ? AND iteration = ? AND stage = ?")
                .execute(arguments: [runId, iteration, stage])
        } else {
            try db.cachedStatement(sql: """
                UPDATE workQueueing SET nextBatchIndex = ?, nextSampleIndex = ?, queuedUnits = queuedUnits + ?
                WHERE runId = ? AND iteration = ? AND stage = ?
                """
            ).execute(arguments: [
                batch.next.batchIndex, batch.next.sampleIndex, batch.units.count, runId, iteration, stage,
            ])
        }
        return batch.units.count
    }

    /// The stages with units still to queue, oldest run first.
    func unqueuedStages() async throws -> [UnqueuedStage] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM workQueueing ORDER BY runId, iteration, stage").map { row -> UnqueuedStage in
                let runId: Int = row["runId"]
                let iteration: Int = row["iteration"]
                return UnqueuedStage(
                    runId: runId, iteration: iteration,
                    stage: try row.stored(
                        "stage", table: "workQueueing",
                        row: ["runId": runId, "iteration": iteration, "stage": row["stage"] as DatabaseValue]),
                    plannedUnits: row["plannedUnits"], queuedUnits: row["queuedUnits"])
            }
        }
    }

    /// One write: the next batch of the oldest stage with units to queue.
    /// Once a stage's last batch is in, the stage may be complete already
    /// (every unit done, or none left in that batch), so it is checked
    /// here, as a result would. A cancelled run's plan is dropped instead.
    /// Returns the units written, or nil when nothing was left to queue.
    func queueNextWorkBatch(limit: Int = WorkQueueing.unitsPerBatch, now: Date) async throws -> Int? {
        try await pool.write { db in
            guard let plan = try Row.fetchOne(
                db, sql: "SELECT runId, iteration, stage FROM workQueueing ORDER BY runId, iteration, stage LIMIT 1")
            else { return nil }
            let runId: Int = plan["runId"]
            let iteration: Int = plan["iteration"]
            let stage: SamplingStage = try plan.stored(
                "stage", table: "workQueueing", row: ["runId": runId, "iteration": iteration, "stage": plan["stage"] as DatabaseValue])
            let run = try self.runRow(db, id: runId)
            guard run.state != .cancelled else {
                try db.execute(
                    sql: "DELETE FROM workQueueing WHERE runId = ? AND iteration = ? AND stage = ?",
                    arguments: [runId, iteration, stage])
                return 0
            }
            let written = try Self.queueBatch(
                db, runId: runId, iteration: iteration, stage: stage, configuration: run.configuration, limit: limit)
            if try !Self.hasUnqueuedWork(db, runId: runId, iteration: iteration, stage: stage) {
                try self.advanceIfStageComplete(db, runId: runId, iteration: iteration, now: now)
            }
            return written
        }
    }
}
