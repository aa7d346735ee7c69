import GRDB
import Shared

/// Sample stages in rounds (`SampleRounds`): the store queues a prompt's
/// first round with the stage, and each next one in the transaction that
/// takes the previous round's result, as the rules decide. A prompt's course
/// depends only on its own samples, whose seeds are fixed by their indices,
/// so the stage ends the same however its leases interleave, and a restart
/// resumes it from the file.
extension SQLiteStore {
    /// Each prompt's first round, in batch order: what `planWork` queues for
    /// the sample stage. A prompt with a cap of 0 stops at once.
    static func firstRounds(
        _ db: Database, runId: Int, iteration: Int, rounds: SampleRounds, caps: [Int]
    ) throws -> [Int] {
        let stop = try db.makeStatement(sql: """
            UPDATE iterationPrompt SET roundStop = ?, unspent = 0 WHERE runId = ? AND iteration = ? AND batchIndex = ?
            """)
        return try caps.enumerated().map { batchIndex, cap in
            guard let size = rounds.firstRound(cap: cap) else {
                try stop.execute(arguments: [SampleRounds.Stop.cap, runId, iteration, batchIndex])
                return 0
            }
            return size
        }
    }

    /// After a sample-stage round of `promptId` is done or failed: queue its
    /// next round, or record why it stopped and what it left unspent.
    func continueRounds(
        _ db: Database, runId: Int, iteration: Int, promptId: Int, configuration: RunConfiguration, roundFailed: Bool
    ) throws {
        guard let rounds = configuration.rounds else { return }
        guard let prompt = try Row.fetchOne(
            db.cachedStatement(sql: """
                SELECT allocatedCount, presampleCount, roundStop FROM iterationPrompt
                WHERE runId = ? AND iteration = ? AND promptId = ?
                """),
            arguments: [runId, iteration, promptId])
        else { return }
        // Stopped already (a cancelled run's units, say): nothing to do.
        guard (prompt["roundStop"] as DatabaseValue).isNull else { return }
        let units = try Row.fetchOne(
            db.cachedStatement(sql: """
                SELECT COALESCE(SUM(sampleCount), 0) AS drawn,
                       COALESCE(SUM(CASE WHEN state IN (\(databaseQuestionMarks(count: WorkUnitState.open.count))) THEN 1 ELSE 0 END), 0) AS open
                FROM workUnit WHERE runId = ? AND iteration = ? AND stage = ? AND promptId = ?
                """),
            arguments: StatementArguments(WorkUnitState.open) + [runId, iteration, SamplingStage.sample, promptId])
        let drawn: Int = units?["drawn"] ?? 0
        // A round is one unit, so an open one means the prompt is still drawing.
        guard (units?["open"] ?? 0) as Int == 0 else { return }
        let cap = configuration.presampleAccounting.newSamples(
            allocated: prompt["allocatedCount"] ?? 0, presamples: prompt["presampleCount"] ?? configuration.presamplesDrawn)
        let taken = try Row.fetchOne(
            db.cachedStatement(sql: """
                SELECT samples, accepted FROM promptStatistics WHERE runId = ? AND iteration = ? AND stage = ? AND promptId = ?
                """),
            arguments: [runId, iteration, SamplingStage.sample, promptId])
        let samples: Int = taken?["samples"] ?? 0
        let accepted: Int = taken?["accepted"] ?? 0
        let decision: SampleRounds.Decision = roundFailed
            ? .stop(.failed)
            : rounds.decide(cap: cap, progress: .init(drawn: drawn, accepted: accepted, wrong: samples - accepted))
        switch decision {
        case .next(let size):
            try db.cachedStatement(sql: """
                INSERT INTO workUnit (runId, iteration, stage, promptId, firstSampleIndex, sampleCount, seed, state)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
            ).execute(arguments: [
                runId, iteration, SamplingStage.sample, promptId, drawn, size,
                RunDeterminism.leaseSeed(
                    runSeed: configuration.leaseSeedBase, iteration: iteration, stage: .sample, promptId: promptId,
                    firstSampleIndex: drawn),
                WorkUnitState.queued,
            ])
        case .stop(let stop):
            try db.cachedStatement(sql: """
                UPDATE iterationPrompt SET roundStop = ?, unspent = ? WHERE runId = ? AND iteration = ? AND promptId = ?
                """
            ).execute(arguments: [stop, max(cap - drawn, 0), runId, iteration, promptId])
        }
    }
}
