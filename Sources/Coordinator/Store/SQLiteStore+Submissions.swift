import Foundation
import GRDB
import Shared
#if DEBUG
import Synchronization
#endif

extension SQLiteStore {
    /// Takes a lease's result: its traces, the statistics they add to, and
    /// the stage change they may complete, all in one transaction. A repeat
    /// of a taken result replays the first receipt and changes nothing; a
    /// different result for a finished lease is refused (409).
    func submit(leaseId: String, caller: String?, result: LeaseResult, now: Date) async throws -> SubmissionReceipt {
        let digest = try ResultDigest.of(result)
        return try await groupCommit.write { db in
            if let finished = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT receipt, resultDigest, identity FROM lease WHERE id = ? AND state = ?"),
                arguments: [leaseId, LeaseState.completed])
            {
                if let refusal = LeaseRules.owning(leaseId: leaseId, holder: finished["identity"], caller: caller) {
                    throw refusal.error
                }
                switch LeaseRules.repeated(leaseId: leaseId, takenDigest: finished["resultDigest"], digest: digest) {
                case .refuse(let refusal):
                    throw refusal.error
                case .replayReceipt:
                    var replay = try Self.decode(SubmissionReceipt.self, json: finished["receipt"])
                    replay.duplicate = true
                    return replay
                }
            }
            let lease = try self.currentLease(db, leaseId: leaseId, caller: caller)
            let statistics: PromptStageStatistics
            let receipt: SubmissionReceipt
            switch LeaseRules(configuration: lease.run.configuration).result(result, for: lease.snapshot) {
            case .refuse(let refusal):
                throw refusal.error
            case .invalid(let error):
                throw RequestRefusal.invalid(error)
            case .take(let taken, let answer):
                statistics = taken
                receipt = answer
            }
            let unit = lease.unit
            let runId: Int = unit["runId"]
            let iteration: Int = unit["iteration"]
            let stage: SamplingStage = try unit.stored("stage", table: "workUnit", row: ["id": lease.unitId])
            let promptId: Int = unit["promptId"]

            let modelVersion = try Self.iterationModelVersion(db, runId: runId, iteration: iteration) ?? lease.run.modelVersion
            let insert = try db.cachedStatement(sql: """
                INSERT INTO trace (runId, iteration, stage, promptId, sampleIndex, modelVersion, response, reward,
                                   gradNorm, completionTokens, finishReason, tokenLogprobs, leaseId, workerName, createdAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for sample in result.samples {
                try insert.execute(arguments: [
                    runId, iteration, stage, promptId, sample.sampleIndex, modelVersion, sample.response, sample.reward,
                    sample.gradNorm, sample.completionTokens, sample.finishReason,
                    try sample.tokenLogprobs.map { try Self.json($0) }, leaseId, lease.workerName, now,
                ])
            }
            #if DEBUG
            let additions = DoubleCountFault.countsTwice() ? 2 : 1
            #else
            let additions = 1
            #endif
            for _ in 0..<additions {
                try db.cachedStatement(
                    sql: """
                        INSERT INTO promptStatistics (runId, iteration, stage, promptId, samples, accepted, gradNormSum, gradNormSquareSum)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT(runId, iteration, stage, promptId) DO UPDATE SET
                            samples = samples + excluded.samples,
                            accepted = accepted + excluded.accepted,
                            gradNormSum = gradNormSum + excluded.gradNormSum,
                            gradNormSquareSum = gradNormSquareSum + excluded.gradNormSquareSum
                        """
                ).execute(
                    arguments: [
                        runId, iteration, stage, promptId, statistics.samples, statistics.accepted,
                        statistics.gradNormSum, statistics.gradNormSquareSum,
                    ])
            }

            try db.cachedStatement(sql: "UPDATE workUnit SET state = ? WHERE id = ?")
                .execute(arguments: [WorkUnitState.done, lease.unitId])
            try db.cachedStatement(
                sql: """
                    UPDATE lease SET state = ?, receipt = ?, resultDigest = ?, completedAt = ?, samples = ?, tokens = ?
                    WHERE id = ?
                    """
            ).execute(arguments: [
                LeaseState.completed, try Self.json(receipt), digest, now, result.generated, result.tokens, leaseId,
            ])
            try db.cachedStatement(sql: "UPDATE worker SET lastSeen = ?, samplesSubmitted = samplesSubmitted + ? WHERE name = ?")
                .execute(arguments: [now, result.generated, lease.workerName])
            if stage == .sample {
                try self.continueRounds(
                    db, runId: runId, iteration: iteration, promptId: promptId, configuration: lease.run.configuration,
                    roundFailed: false)
            }
            try self.advanceIfStageComplete(db, runId: runId, iteration: iteration, now: now)
            return receipt
        }
    }
}

#if DEBUG
/// Test-only fault, compiled into debug builds alone: with
/// `GVM_FAULT_DOUBLE_COUNT=N` (read once) the N-th result this process takes
/// adds its samples to the prompt's statistics twice. `make test` runs the
/// fault suite (scripts/chaos.py --expect-violations) with it to show that
/// the suite catches a double count. Release builds have no such switch.
enum DoubleCountFault {
    static let target: Int? = ProcessInfo.processInfo.environment["GVM_FAULT_DOUBLE_COUNT"].flatMap { Int($0) }
    static let taken = Atomic<Int>(0)

    static func countsTwice() -> Bool {
        guard let target, target > 0 else { return false }
        return taken.add(1, ordering: .relaxed).newValue == target
    }
}
#endif
