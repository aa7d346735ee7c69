import Foundation
import GRDB
import Shared

/// Pause, resume, cancel and advance: each one transaction on the run row.
extension SQLiteStore {
    func pause(runId: Int, now: Date) async throws -> RunSummary {
        try await pool.write { db in
            let run = try self.runRow(db, id: runId)
            guard run.state == .active || run.state == .waiting else {
                throw CoordinatorError.conflict("run \(runId) is \(run.state.rawValue); only an active or waiting run can be paused")
            }
            // Leases already out may still finish; no new ones are handed out.
            try db.execute(sql: "UPDATE run SET state = ? WHERE id = ?", arguments: [RunState.paused, runId])
            return try self.runSummary(db, id: runId)
        }
    }

    func resume(runId: Int, now: Date) async throws -> RunSummary {
        try await pool.write { db in
            var run = try self.runRow(db, id: runId)
            guard run.state == .paused else {
                throw CoordinatorError.conflict("run \(runId) is \(run.state.rawValue); only a paused run can be resumed")
            }
            try db.execute(sql: "UPDATE run SET state = ? WHERE id = ?", arguments: [RunState.active, runId])
            run.state = .active
            // An iteration that finished while paused moves on now.
            if try Self.iterationStage(db, runId: runId, iteration: run.currentIteration) == .done {
                try self.finishIteration(db, run: run, iteration: run.currentIteration, now: now)
            }
            return try self.runSummary(db, id: runId)
        }
    }

    func cancel(runId: Int, now: Date) async throws -> RunSummary {
        try await pool.write { db in
            let run = try self.runRow(db, id: runId)
            guard run.state != .cancelled && run.state != .completed else {
                throw CoordinatorError.conflict("run \(runId) is already \(run.state.rawValue)")
            }
            try db.execute(sql: "UPDATE run SET state = ? WHERE id = ?", arguments: [RunState.cancelled, runId])
            // Release the queue: nothing of this run is leased again, and
            // leases out are ended so their results are refused.
            try db.execute(
                sql: """
                    UPDATE lease SET state = ?
                    WHERE state IN (?, ?) AND workUnitId IN (SELECT id FROM workUnit WHERE runId = ?)
                    """,
                arguments: [LeaseState.cancelled, LeaseState.active, LeaseState.expired, runId])
            try db.execute(
                sql: "UPDATE workUnit SET state = ? WHERE runId = ? AND state NOT IN (?, ?)",
                arguments: [WorkUnitState.cancelled, runId, WorkUnitState.done, WorkUnitState.failed])
            return try self.runSummary(db, id: runId)
        }
    }

    /// An external trainer's new model: accepted once the current iteration
    /// is done and the run waits for it; it starts the next iteration.
    func advance(runId: Int, modelVersion: String, now: Date) async throws -> RunSummary {
        do {
            try WireText.checkName(modelVersion, field: "modelVersion")
        } catch {
            throw CoordinatorError.invalid(error)
        }
        return try await pool.write { db in
            let run = try self.runRow(db, id: runId)
            let stage = try Self.iterationStage(db, runId: runId, iteration: run.currentIteration)
            switch run.state {
            case .waiting:
                break
            case .active where stage != .done:
                throw CoordinatorError.conflict(
                    "iteration \(run.currentIteration) of run \(runId) is in stage \(stage.rawValue); advance is accepted once it is done")
            case .active:
                throw CoordinatorError.conflict("run \(runId) advances by itself (advance: auto)")
            default:
                throw CoordinatorError.conflict("run \(runId) is \(run.state.rawValue) and cannot advance")
            }
            try db.execute(
                sql: "UPDATE run SET state = ?, modelVersion = ? WHERE id = ?", arguments: [RunState.active, modelVersion, runId])
            try self.startIteration(db, runId: runId, number: run.currentIteration + 1, now: now)
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
