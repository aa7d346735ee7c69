import Foundation
import GRDB
import Shared

extension SQLiteStore {
    func status(now: Date) async throws -> StatusReport {
        try await pool.read { db in
            var runs: [StatusReport.Run] = []
            for row in try Row.fetchAll(db, sql: "SELECT id FROM run ORDER BY id") {
                let run = try self.runRow(db, id: row["id"])
                let summary = try self.iterationSummary(db, runId: run.id, iteration: run.currentIteration)
                let stage = summary.stage
                // Past sampling, the figures are those of the sample stage.
                let sampling: SamplingStage = stage == .presample ? .presample : .sample
                let counts = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT COALESCE(SUM(sampleCount), 0) AS total,
                               COALESCE(SUM(CASE WHEN state = ? THEN sampleCount ELSE 0 END), 0) AS done
                        FROM workUnit WHERE runId = ? AND iteration = ? AND stage = ?
                        """,
                    arguments: [WorkUnitState.done, run.id, run.currentIteration, sampling])
                runs.append(StatusReport.Run(
                    runId: run.id, dataset: run.configuration.dataset, model: run.configuration.model,
                    state: run.state, iteration: run.currentIteration, iterations: run.configuration.iterations,
                    stage: stage, modelVersion: run.modelVersion,
                    progress: .init(
                        stage: sampling, samplesDone: counts?["done"] ?? 0,
                        samplesTotal: Self.stageSamples(summary, stage: sampling, configuration: run.configuration)
                            ?? counts?["total"] ?? 0),
                    budget: summary.budget, unallocated: summary.unallocated, generationBudget: summary.generationBudget,
                    unspent: summary.unspent, fellBackToUniform: summary.fellBackToUniform,
                    acceptance: summary.acceptance, allocation: summary.allocation,
                    samplesGenerated: summary.samplesGenerated, samplesFailed: summary.samplesFailed, training: summary.training,
                    evaluation: try Self.latestEvaluation(db, runId: run.id),
                    history: run.configuration.strategyNeeds.usesHistory
                        ? HistoryStatus(records: try Self.promptRecords(
                            db, runId: run.id, iteration: run.currentIteration,
                            presamplesDrawn: run.configuration.presamplesDrawn))
                        : nil))
            }
            let since = now.addingTimeInterval(-StatusWindow.seconds)
            let recent = try Row.fetchOne(
                db, sql: "SELECT COALESCE(SUM(samples), 0) AS samples, COALESCE(SUM(tokens), 0) AS tokens FROM lease WHERE completedAt >= ?",
                arguments: [since])
            let throughput = StatusReport.Throughput(
                windowSeconds: StatusWindow.seconds,
                samplesPerSecond: Double(recent?["samples"] ?? 0) / StatusWindow.seconds,
                tokensPerSecond: Double(recent?["tokens"] ?? 0) / StatusWindow.seconds)
            return StatusReport(
                gvmVersion: GVMVersion.current, time: now, runs: runs,
                workers: try Self.workerSummaries(db, now: now), throughput: throughput)
        }
    }

    /// The samples a sampling stage of the iteration needs in all, from the
    /// plan rather than from the work units queued so far (WorkQueuer may
    /// still be writing them). Nil for a sample stage not yet allocated.
    static func stageSamples(_ summary: IterationSummary, stage: SamplingStage, configuration: RunConfiguration) -> Int? {
        let presampled = summary.presampleBudget
        switch stage {
        case .presample: return presampled
        // In rounds, what the stopped prompts left unspent is not drawn.
        case .sample: return summary.generationBudget.map { $0 - presampled - (summary.unspent ?? 0) }
        }
    }

    func traces(runId: Int, iteration: Int, stage: SamplingStage?, after cursor: TraceCursor?, limit: Int) async throws -> [TraceRecord] {
        try await pool.read { db in
            _ = try self.runRow(db, id: runId)
            guard try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM iteration WHERE runId = ? AND number = ?)"),
                arguments: [runId, iteration]) ?? false
            else { throw RequestRefusal.notFound("run \(runId) has no iteration \(iteration)") }
            let rows = try Row.fetchAll(
                db,
                // Keyset pages in (stage, prompt, sample) order, so every
                // prompt's group comes out together and each page is one
                // index range scan.
                sql: """
                    SELECT * FROM trace WHERE runId = ? AND iteration = ? AND (? IS NULL OR stage = ?)
                      AND (stage, promptId, sampleIndex) > (?, ?, ?)
                    ORDER BY stage, promptId, sampleIndex LIMIT ?
                    """,
                arguments: [
                    runId, iteration, stage, stage,
                    cursor?.stage.rawValue ?? "", cursor?.promptId ?? -1, cursor?.sampleIndex ?? -1, limit,
                ])
            return try rows.map { row -> TraceRecord in
                let traceId: Int64 = row["id"]
                return TraceRecord(
                    traceId: traceId, runId: row["runId"], iteration: row["iteration"],
                    stage: try row.stored("stage", table: "trace", row: ["id": traceId]), promptId: row["promptId"],
                    sampleIndex: row["sampleIndex"], modelVersion: row["modelVersion"], response: row["response"],
                    reward: row["reward"], gradNorm: row["gradNorm"], completionTokens: row["completionTokens"],
                    finishReason: try row.stored("finishReason", table: "trace", row: ["id": traceId]),
                    tokenLogprobs: try (row["tokenLogprobs"] as String?).map { try Self.decode([Double].self, json: $0) },
                    leaseId: row["leaseId"], workerName: row["workerName"], createdAt: row["createdAt"])
            }
        }
    }

    func promptStatistics(runId: Int, iteration: Int) async throws -> [PromptIterationRecord] {
        try await pool.read { db in
            let presamplesDrawn = try self.runRow(db, id: runId).configuration.presamplesDrawn
            let records = try Self.promptRecords(db, runId: runId, iteration: iteration, presamplesDrawn: presamplesDrawn)
            guard !records.isEmpty else { throw RequestRefusal.notFound("run \(runId) has no iteration \(iteration)") }
            return records
        }
    }
}
