import Foundation
import GRDB
import Shared

extension SQLiteStore {
    func status(now: Date) async throws -> StatusReport {
        try await pool.read { db in
            var runs: [StatusReport.Run] = []
            for row in try Row.fetchAll(db, sql: "SELECT id FROM run ORDER BY id") {
                let run = try Self.runRow(db, id: row["id"])
                let iteration = try Row.fetchOne(
                    db, sql: "SELECT stage, fellBackToUniform FROM iteration WHERE runId = ? AND number = ?",
                    arguments: [run.id, run.currentIteration])
                let stage = (iteration?["stage"]).flatMap(IterationStage.init(rawValue:)) ?? .done
                // Past sampling, the figures are those of the sample stage.
                let sampling: SamplingStage = stage == .presample ? .presample : .sample
                let counts = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT COALESCE(SUM(sampleCount), 0) AS total,
                               COALESCE(SUM(CASE WHEN state = 'done' THEN sampleCount ELSE 0 END), 0) AS done
                        FROM workUnit WHERE runId = ? AND iteration = ? AND stage = ?
                        """,
                    arguments: [run.id, run.currentIteration, sampling.rawValue])
                runs.append(StatusReport.Run(
                    runId: run.id, dataset: run.configuration.dataset, model: run.configuration.model,
                    state: run.state, iteration: run.currentIteration, iterations: run.configuration.iterations,
                    stage: stage, modelVersion: run.modelVersion,
                    progress: .init(stage: sampling, samplesDone: counts?["done"] ?? 0, samplesTotal: counts?["total"] ?? 0),
                    fellBackToUniform: iteration?["fellBackToUniform"] ?? false))
            }
            let workers = try Row.fetchAll(
                db,
                sql: """
                    SELECT w.*, (SELECT COUNT(*) FROM lease l JOIN workUnit u ON u.id = l.workUnitId
                                 WHERE l.workerName = w.name AND l.state = 'active' AND u.leaseId = l.id) AS activeLeases
                    FROM worker w ORDER BY w.name
                    """
            ).map {
                StatusReport.Worker(
                    name: $0["name"], model: $0["model"], lastSeen: $0["lastSeen"],
                    activeLeases: $0["activeLeases"], samplesSubmitted: $0["samplesSubmitted"])
            }
            return StatusReport(gvmVersion: GVMVersion.current, time: now, runs: runs, workers: workers)
        }
    }

    func traces(runId: Int, iteration: Int, stage: SamplingStage?, afterId: Int64, limit: Int) async throws -> [TraceRecord] {
        try await pool.read { db in
            _ = try Self.runRow(db, id: runId)
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM trace WHERE runId = ? AND iteration = ? AND (? IS NULL OR stage = ?) AND id > ?
                    ORDER BY id LIMIT ?
                    """,
                arguments: [runId, iteration, stage?.rawValue, stage?.rawValue, afterId, limit])
            return try rows.map { row in
                TraceRecord(
                    traceId: row["id"], runId: row["runId"], iteration: row["iteration"],
                    stage: SamplingStage(rawValue: row["stage"]) ?? .sample, promptId: row["promptId"],
                    sampleIndex: row["sampleIndex"], modelVersion: row["modelVersion"], response: row["response"],
                    reward: row["reward"], gradNorm: row["gradNorm"], completionTokens: row["completionTokens"],
                    finishReason: FinishReason(rawValue: row["finishReason"]) ?? .stop,
                    tokenLogprobs: try (row["tokenLogprobs"] as String?).map { try Self.decode([Double].self, json: $0) },
                    leaseId: row["leaseId"], workerName: row["workerName"], createdAt: row["createdAt"])
            }
        }
    }

    func promptStatistics(runId: Int, iteration: Int) async throws -> [PromptIterationRecord] {
        try await pool.read { db in
            _ = try Self.runRow(db, id: runId)
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT p.batchIndex, p.promptId, p.allocatedCount, p.allocatedRatio,
                           pre.samples AS preSamples, pre.accepted AS preAccepted,
                           pre.gradNormSum AS preSum, pre.gradNormSquareSum AS preSquares,
                           s.samples AS samples, s.accepted AS accepted,
                           s.gradNormSum AS gradNormSum, s.gradNormSquareSum AS gradNormSquareSum
                    FROM iterationPrompt p
                    LEFT JOIN promptStatistics pre ON pre.runId = p.runId AND pre.iteration = p.iteration
                         AND pre.promptId = p.promptId AND pre.stage = 'presample'
                    LEFT JOIN promptStatistics s ON s.runId = p.runId AND s.iteration = p.iteration
                         AND s.promptId = p.promptId AND s.stage = 'sample'
                    WHERE p.runId = ? AND p.iteration = ? ORDER BY p.batchIndex
                    """,
                arguments: [runId, iteration])
            guard !rows.isEmpty else { throw CoordinatorError.notFound("run \(runId) has no iteration \(iteration)") }
            return rows.map {
                PromptIterationRecord(
                    batchIndex: $0["batchIndex"], promptId: $0["promptId"],
                    presample: PromptStageStatistics(
                        samples: $0["preSamples"] ?? 0, accepted: $0["preAccepted"] ?? 0,
                        gradNormSum: $0["preSum"] ?? 0, gradNormSquareSum: $0["preSquares"] ?? 0),
                    sample: PromptStageStatistics(
                        samples: $0["samples"] ?? 0, accepted: $0["accepted"] ?? 0,
                        gradNormSum: $0["gradNormSum"] ?? 0, gradNormSquareSum: $0["gradNormSquareSum"] ?? 0),
                    allocatedCount: $0["allocatedCount"], allocatedRatio: $0["allocatedRatio"])
            }
        }
    }
}
