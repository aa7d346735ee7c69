import Foundation
import GRDB
import Shared

extension SQLiteStore {
    func iterations(runId: Int) async throws -> [IterationSummary] {
        try await pool.read { db in
            _ = try self.runRow(db, id: runId)
            return try Int.fetchAll(db, sql: "SELECT number FROM iteration WHERE runId = ? ORDER BY number", arguments: [runId])
                .map { try self.iterationSummary(db, runId: runId, iteration: $0) }
        }
    }

    func iteration(runId: Int, number: Int) async throws -> IterationSummary? {
        try await pool.read { db in
            _ = try self.runRow(db, id: runId)
            return try self.existingIterationSummary(db, runId: runId, iteration: number)
        }
    }

    func iterationSummary(_ db: Database, runId: Int, iteration: Int) throws -> IterationSummary {
        guard let summary = try existingIterationSummary(db, runId: runId, iteration: iteration) else {
            throw RequestRefusal.notFound("run \(runId) has no iteration \(iteration)")
        }
        return summary
    }

    func existingIterationSummary(_ db: Database, runId: Int, iteration: Int) throws -> IterationSummary? {
        guard let row = try Row.fetchOne(
            db, sql: "SELECT * FROM iteration WHERE runId = ? AND number = ?", arguments: [runId, iteration])
        else { return nil }
        let configuration = try runRow(db, id: runId).configuration
        let records = try Self.promptRecords(
            db, runId: runId, iteration: iteration, presamplesDrawn: configuration.presamplesDrawn)
        let fellBack: Bool = row["fellBackToUniform"]
        // p_i from pre-sampling; for uniform runs, from the sample stage.
        let rates = records.compactMap { record -> Double? in
            let statistics = record.presample.samples > 0 ? record.presample : record.sample
            return statistics.samples > 0 ? statistics.acceptRate : nil
        }
        let counts = records.compactMap(\.allocatedCount)
        let allocated = !records.isEmpty && counts.count == records.count
        let presampleCounts = records.map(\.presampleCount)
        let modelVersion: String = row["modelVersion"]
        let training = try Self.trainingSummary(db, runId: runId, iteration: iteration)
        return IterationSummary(
            iteration: iteration, stage: try row.stored("stage", table: "iteration", row: ["runId": runId, "number": iteration]),
            modelVersion: modelVersion, promptCount: row["promptCount"], budget: row["budget"],
            unallocated: row["unallocated"],
            generationBudget: allocated
                ? configuration.presampleAccounting.generationBudget(counts: counts, presampleCounts: presampleCounts)
                : nil,
            presampleBudget: presampleCounts.reduce(0, +),
            unspent: configuration.rounds == nil ? nil : records.reduce(0) { $0 + ($1.unspent ?? 0) },
            fellBackToUniform: fellBack, fallbackReason: row["fallbackReason"],
            startedAt: row["startedAt"], finishedAt: row["finishedAt"],
            samplesGenerated: records.reduce(0) { $0 + $1.presample.samples + $1.sample.samples },
            samplesAccepted: records.reduce(0) { $0 + $1.presample.accepted + $1.sample.accepted },
            samplesFailed: records.reduce(0) { $0 + $1.failedUnits.reduce(0) { $0 + $1.sampleCount } },
            acceptance: Summary(rates),
            allocation: allocated ? AllocationSummary(counts: counts, fellBackToUniform: fellBack) : nil,
            training: training,
            evaluationBefore: try Self.testEvaluation(db, runId: runId, modelVersion: modelVersion),
            evaluationAfter: try training?.modelVersion.flatMap { try Self.testEvaluation(db, runId: runId, modelVersion: $0) })
    }

    /// Every iteration's figures for one prompt of a run.
    func promptHistory(runId: Int, promptId: Int) async throws -> [PromptIterationRecord] {
        try await pool.read { db in
            let presamplesDrawn = try self.runRow(db, id: runId).configuration.presamplesDrawn
            let iterations = try Int.fetchAll(
                db, sql: "SELECT iteration FROM iterationPrompt WHERE runId = ? AND promptId = ? ORDER BY iteration",
                arguments: [runId, promptId])
            return try iterations.flatMap {
                try Self.promptRecords(db, runId: runId, iteration: $0, presamplesDrawn: presamplesDrawn, promptId: promptId)
            }
        }
    }

    func workers(now: Date) async throws -> [WorkerSummary] {
        try await pool.read { db in try Self.workerSummaries(db, now: now) }
    }

    static func workerSummaries(_ db: Database, now: Date) throws -> [WorkerSummary] {
        let since = now.addingTimeInterval(-StatusWindow.seconds)
        return try Row.fetchAll(
            db,
            sql: """
                SELECT w.*,
                  (SELECT COUNT(*) FROM lease l JOIN workUnit u ON u.id = l.workUnitId
                   WHERE l.workerName = w.name AND l.state = ? AND u.leaseId = l.id) AS activeLeases,
                  (SELECT COALESCE(SUM(l.samples), 0) FROM lease l
                   WHERE l.workerName = w.name AND l.completedAt >= ?) AS recentSamples
                FROM worker w ORDER BY w.name
                """,
            arguments: [LeaseState.active, since]
        ).map { row -> WorkerSummary in
            var summary = WorkerSummary(
                name: row["name"], model: row["model"], firstSeen: row["firstSeen"], lastSeen: row["lastSeen"],
                activeLeases: row["activeLeases"], samplesSubmitted: row["samplesSubmitted"],
                samplesPerSecond: Double(row["recentSamples"] as Int) / StatusWindow.seconds)
            summary.releases = try releaseSummary(db, workerName: summary.name)
            return summary
        }
    }

    /// A worker's releases by kind, and the last reason it gave.
    static func releaseSummary(_ db: Database, workerName: String) throws -> WorkerSummary.Releases {
        var releases = WorkerSummary.Releases()
        for row in try Row.fetchAll(
            db.cachedStatement(sql: """
                SELECT releaseKind, COUNT(*) AS count FROM lease WHERE workerName = ? AND releaseKind IS NOT NULL
                GROUP BY releaseKind ORDER BY releaseKind
                """),
            arguments: [workerName])
        {
            releases.byKind[row["releaseKind"]] = row["count"]
        }
        releases.lastReason = try String.fetchOne(
            db.cachedStatement(sql: """
                SELECT releaseReason FROM lease WHERE workerName = ? AND releaseKind IS NOT NULL
                ORDER BY releaseSequence DESC LIMIT 1
                """),
            arguments: [workerName])
        return releases
    }

    /// The allocation of an iteration, indexed by dataset position, with 0
    /// for prompts outside the iteration.
    func allocationExport(runId: Int, iteration: Int) async throws -> AllocationExport {
        try await pool.read { db in
            let run = try self.runRow(db, id: runId)
            guard try Bool.fetchOne(
                db, sql: "SELECT 1 FROM iteration WHERE runId = ? AND number = ?", arguments: [runId, iteration]) != nil
            else { throw RequestRefusal.notFound("run \(runId) has no iteration \(iteration)") }
            let datasetSize = try Int.fetchOne(
                db, sql: "SELECT promptCount FROM dataset WHERE id = ?", arguments: [run.datasetId]) ?? 0
            let summary = try self.iterationSummary(db, runId: runId, iteration: iteration)
            let records = try Self.promptRecords(
                db, runId: runId, iteration: iteration, presamplesDrawn: run.configuration.presamplesDrawn)
            let entries = records.compactMap { record -> AllocationExport.Entry? in
                guard let count = record.allocatedCount, let ratio = record.allocatedRatio else { return nil }
                return AllocationExport.Entry(
                    promptId: record.promptId, count: count, ratio: ratio, presampleCount: record.presampleCount,
                    history: record.history, unspent: run.configuration.rounds == nil ? nil : record.unspent ?? 0)
            }
            return AllocationExport(
                datasetSize: datasetSize,
                allocated: entries.sorted { $0.promptId < $1.promptId },
                budget: summary.budget, unallocated: summary.unallocated, generationBudget: summary.generationBudget,
                unspent: summary.unspent)
        }
    }

    /// The per-prompt statistics of an iteration, optionally of one prompt.
    /// `presamplesDrawn` is the run's N' (`RunConfiguration.presamplesDrawn`),
    /// for iterations that stored no count per prompt.
    static func promptRecords(
        _ db: Database, runId: Int, iteration: Int, presamplesDrawn: Int, promptId: Int? = nil
    ) throws -> [PromptIterationRecord] {
        let records = try Row.fetchAll(
            db,
            sql: """
                SELECT p.batchIndex, p.promptId, p.allocatedCount, p.allocatedRatio,
                       COALESCE(p.presampleCount, ?) AS presampleCount, p.posteriorA, p.posteriorB,
                       p.gradNormEstimate, p.historyFlag, q.level, p.roundStop, p.unspent,
                       pre.samples AS preSamples, pre.accepted AS preAccepted,
                       pre.gradNormSum AS preSum, pre.gradNormSquareSum AS preSquares,
                       s.samples AS samples, s.accepted AS accepted,
                       s.gradNormSum AS gradNormSum, s.gradNormSquareSum AS gradNormSquareSum
                FROM iterationPrompt p
                JOIN run r ON r.id = p.runId
                LEFT JOIN prompt q ON q.datasetId = r.datasetId AND q.position = p.promptId
                LEFT JOIN promptStatistics pre ON pre.runId = p.runId AND pre.iteration = p.iteration
                     AND pre.promptId = p.promptId AND pre.stage = ?
                LEFT JOIN promptStatistics s ON s.runId = p.runId AND s.iteration = p.iteration
                     AND s.promptId = p.promptId AND s.stage = ?
                WHERE p.runId = ? AND p.iteration = ? AND (? IS NULL OR p.promptId = ?) ORDER BY p.batchIndex
                """,
            arguments: [presamplesDrawn, SamplingStage.presample, SamplingStage.sample, runId, iteration, promptId, promptId]
        ).map { row -> PromptIterationRecord in
            var history: PromptHistoryRecord?
            if let a: Double = row["posteriorA"], let b: Double = row["posteriorB"], let g: Double = row["gradNormEstimate"] {
                history = PromptHistoryRecord(
                    posteriorA: a, posteriorB: b, gradNormEstimate: g,
                    flag: try row.storedIfPresent(
                        "historyFlag", table: "iterationPrompt",
                        row: ["runId": runId, "iteration": iteration, "batchIndex": row["batchIndex"] as Int]))
            }
            return PromptIterationRecord(
                iteration: iteration, batchIndex: row["batchIndex"], promptId: row["promptId"], level: row["level"],
                presample: PromptStageStatistics(
                    samples: row["preSamples"] ?? 0, accepted: row["preAccepted"] ?? 0,
                    gradNormSum: row["preSum"] ?? 0, gradNormSquareSum: row["preSquares"] ?? 0),
                sample: PromptStageStatistics(
                    samples: row["samples"] ?? 0, accepted: row["accepted"] ?? 0,
                    gradNormSum: row["gradNormSum"] ?? 0, gradNormSquareSum: row["gradNormSquareSum"] ?? 0),
                allocatedCount: row["allocatedCount"], allocatedRatio: row["allocatedRatio"],
                presampleCount: row["presampleCount"], history: history,
                roundStop: try row.storedIfPresent(
                    "roundStop", table: "iterationPrompt",
                    row: ["runId": runId, "iteration": iteration, "batchIndex": row["batchIndex"] as Int]),
                unspent: row["unspent"])
        }
        return try withFailures(db, runId: runId, iteration: iteration, promptId: promptId, records: records)
    }

    /// Adds each prompt's failed units and releases (two queries for the
    /// whole iteration, not one per prompt).
    private static func withFailures(
        _ db: Database, runId: Int, iteration: Int, promptId: Int?, records: [PromptIterationRecord]
    ) throws -> [PromptIterationRecord] {
        var failed: [Int: [FailedUnitRecord]] = [:]
        for row in try Row.fetchAll(
            db.cachedStatement(sql: """
                SELECT id, promptId, stage, firstSampleIndex, sampleCount, attempts FROM workUnit
                WHERE runId = ? AND iteration = ? AND state = ? AND (? IS NULL OR promptId = ?)
                ORDER BY promptId, stage, firstSampleIndex
                """),
            arguments: [runId, iteration, WorkUnitState.failed, promptId, promptId])
        {
            failed[row["promptId"], default: []].append(FailedUnitRecord(
                stage: try row.stored("stage", table: "workUnit", row: ["id": row["id"] as Int64]),
                firstSampleIndex: row["firstSampleIndex"],
                sampleCount: row["sampleCount"], attempts: row["attempts"]))
        }
        var releases: [Int: [ReleaseRecord]] = [:]
        for row in try Row.fetchAll(
            db.cachedStatement(sql: """
                SELECT w.id AS unitId, w.promptId, w.stage, w.firstSampleIndex,
                       l.id AS leaseId, l.workerName, l.releaseKind, l.releaseReason
                FROM lease l JOIN workUnit w ON w.id = l.workUnitId
                WHERE w.runId = ? AND w.iteration = ? AND l.releaseKind IS NOT NULL AND (? IS NULL OR w.promptId = ?)
                ORDER BY w.promptId, l.releasedAt, l.workerName, l.releaseSequence
                """),
            arguments: [runId, iteration, promptId, promptId])
        {
            releases[row["promptId"], default: []].append(ReleaseRecord(
                stage: try row.stored("stage", table: "workUnit", row: ["id": row["unitId"] as Int64]),
                firstSampleIndex: row["firstSampleIndex"], workerName: row["workerName"],
                kind: try row.stored("releaseKind", table: "lease", row: ["id": row["leaseId"] as String]),
                reason: row["releaseReason"] ?? ""))
        }
        guard !failed.isEmpty || !releases.isEmpty else { return records }
        return records.map { record in
            var record = record
            record.failedUnits = failed[record.promptId] ?? []
            record.releases = releases[record.promptId] ?? []
            return record
        }
    }
}
