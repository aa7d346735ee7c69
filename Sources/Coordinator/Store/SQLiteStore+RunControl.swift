import Foundation
import GRDB
import Shared

/// Pause, resume, cancel and advance: each one transaction on the run row,
/// executing what `RunControlRules` decide.
extension SQLiteStore {
    func pause(runId: Int, now: Date) async throws -> RunSummary {
        try await control(runId: runId, now: now) { _, _ in .pause }
    }

    func resume(runId: Int, now: Date) async throws -> RunSummary {
        try await control(runId: runId, now: now) { _, _ in .resume }
    }

    func cancel(runId: Int, now: Date) async throws -> RunSummary {
        try await control(runId: runId, now: now) { _, _ in .cancel }
    }

    /// An external trainer's new model: accepted once the current iteration
    /// is done and the run waits for it; it starts the next iteration.
    func advance(runId: Int, modelVersion: String, now: Date) async throws -> RunSummary {
        do {
            try WireText.checkName(modelVersion, field: "modelVersion")
        } catch {
            throw RequestRefusal.invalid(error)
        }
        return try await control(runId: runId, now: now) { db, run in
            .advance(
                modelVersion: modelVersion,
                iterationStage: try Self.iterationStage(db, runId: runId, iteration: run.currentIteration))
        }
    }

    /// Loads the run, asks the rules about `command` (read in the same
    /// transaction), and writes their decision.
    private func control(
        runId: Int, now: Date, command: @escaping @Sendable (Database, RunRow) throws -> RunControlRules.Command
    ) async throws -> RunSummary {
        try await pool.write { db in
            var run = try self.runRow(db, id: runId)
            let rules = RunControlRules(runId: runId, state: run.state, currentIteration: run.currentIteration)
            switch rules.decide(try command(db, run)) {
            case .refuse(let message):
                throw RequestRefusal.conflict(message)
            case .transition(let state, .none):
                try db.execute(sql: "UPDATE run SET state = ? WHERE id = ?", arguments: [state, runId])
            case .transition(let state, .finishIterationIfDone):
                try db.execute(sql: "UPDATE run SET state = ? WHERE id = ?", arguments: [state, runId])
                run.state = state
                if try Self.iterationStage(db, runId: runId, iteration: run.currentIteration) == .done {
                    try self.finishIteration(db, run: run, iteration: run.currentIteration, now: now)
                }
            case .transition(let state, .endLeasesAndWork):
                try db.execute(sql: "UPDATE run SET state = ? WHERE id = ?", arguments: [state, runId])
                try db.execute(
                    sql: """
                        UPDATE lease SET state = ?
                        WHERE state IN (?, ?) AND workUnitId IN (SELECT id FROM workUnit WHERE runId = ?)
                        """,
                    arguments: [LeaseState.cancelled, LeaseState.active, LeaseState.expired, runId])
                try db.execute(
                    sql: "UPDATE workUnit SET state = ? WHERE runId = ? AND state NOT IN (?, ?)",
                    arguments: [WorkUnitState.cancelled, runId, WorkUnitState.done, WorkUnitState.failed])
            case .transition(let state, .startIteration(let number, let modelVersion)):
                try db.execute(
                    sql: "UPDATE run SET state = ?, modelVersion = ? WHERE id = ?", arguments: [state, modelVersion, runId])
                try self.startIteration(db, runId: runId, number: number, now: now)
            }
            return try self.runSummary(db, id: runId)
        }
    }

    func runs() async throws -> [RunSummary] {
        try await pool.read { db in
            try Int.fetchAll(db, sql: "SELECT id FROM run ORDER BY id").map { try self.runSummary(db, id: $0) }
        }
    }
}

extension SQLiteStore {
    func gauges(now: Date) async throws -> StoreGauges {
        try await pool.read { db in
            var byState = Dictionary(uniqueKeysWithValues: RunState.allCases.map { ($0, 0) })
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS count, MIN(id) AS firstId FROM run GROUP BY state") {
                let state: RunState = try row.stored("state", table: "run", row: ["id": row["firstId"] as Int])
                byState[state] = row["count"]
            }
            // A lease past its expiry is expired even before a grant notices.
            let leases = try Row.fetchOne(
                db,
                sql: """
                    SELECT COALESCE(SUM(CASE WHEN state = :active AND expiresAt >= :now THEN 1 ELSE 0 END), 0) AS active,
                           COALESCE(SUM(CASE WHEN state = :expired OR (state = :active AND expiresAt < :now) THEN 1 ELSE 0 END), 0) AS expired
                    FROM lease WHERE state IN (:active, :expired)
                    """,
                arguments: ["active": LeaseState.active, "expired": LeaseState.expired, "now": now])
            return StoreGauges(runsByState: byState, leasesActive: leases?["active"] ?? 0, leasesExpired: leases?["expired"] ?? 0)
        }
    }
}
