import GRDB
import Shared

/// Runs with history statistics: the store gathers every raw count of the
/// run and the prompts' levels, and `HistoryStatistics` computes the
/// estimates. Both happen in the transaction that starts an iteration or
/// allocates it, so they see exactly the results taken before it.
extension SQLiteStore {
    /// Each batch prompt's estimate at `iteration`, in batch order, from
    /// every sample the run has drawn through it (pre-samples and
    /// sample-stage samples alike).
    static func historyEstimates(
        _ db: Database, runId: Int, datasetId: Int64, iteration: Int, batch: [Int], parameters: HistoryParameters,
        presamples: Int
    ) throws -> [PromptEstimate] {
        let records = try Row.fetchAll(
            db.cachedStatement(sql: """
                SELECT iteration, promptId, SUM(samples) AS samples, SUM(accepted) AS accepted,
                       SUM(gradNormSum) AS gradNormSum
                FROM promptStatistics WHERE runId = ? AND iteration <= ?
                GROUP BY iteration, promptId
                """),
            arguments: [runId, iteration]
        ).map { row -> PromptIterationCounts in
            let samples: Int = row["samples"]
            let accepted: Int = row["accepted"]
            return PromptIterationCounts(
                iteration: row["iteration"], promptId: row["promptId"], correct: accepted, wrong: samples - accepted,
                normSum: row["gradNormSum"], normCount: accepted)
        }
        // Levels of the prompts with history, and of the batch's.
        var levels: [Int: Int] = [:]
        for row in try Row.fetchAll(
            db.cachedStatement(sql: """
                SELECT position, level FROM prompt WHERE datasetId = ? AND level IS NOT NULL AND position IN (
                    SELECT promptId FROM promptStatistics WHERE runId = ? AND iteration <= ?
                    UNION SELECT promptId FROM iterationPrompt WHERE runId = ? AND iteration = ?)
                """),
            arguments: [datasetId, runId, iteration, runId, iteration])
        {
            levels[row["position"]] = row["level"]
        }
        return HistoryStatistics.estimates(
            prompts: batch, records: records, currentIteration: iteration, level: { levels[$0] },
            parameters: parameters, presamples: presamples)
    }

    /// Records the estimates the allocation used, beside its n_i.
    static func recordEstimates(
        _ db: Database, runId: Int, iteration: Int, estimates: [PromptEstimate], flagsApply: Bool
    ) throws {
        let update = try db.makeStatement(sql: """
            UPDATE iterationPrompt SET posteriorA = ?, posteriorB = ?, gradNormEstimate = ?, historyFlag = ?
            WHERE runId = ? AND iteration = ? AND batchIndex = ?
            """)
        for (batchIndex, estimate) in estimates.enumerated() {
            try update.execute(arguments: [
                estimate.posteriorA, estimate.posteriorB, estimate.gradNorm, flagsApply ? HistoryFlag(estimate) : nil,
                runId, iteration, batchIndex,
            ])
        }
    }

    /// Each prompt's pre-samples in batch order: the stored count, or the
    /// configured N' for iterations that gave every prompt the same.
    static func presampleCounts(_ db: Database, runId: Int, iteration: Int, configuration: RunConfiguration) throws -> [Int] {
        try Int?.fetchAll(
            db.cachedStatement(sql: """
                SELECT presampleCount FROM iterationPrompt WHERE runId = ? AND iteration = ? ORDER BY batchIndex
                """),
            arguments: [runId, iteration]
        ).map { $0 ?? configuration.presamplesDrawn }
    }
}
