import Foundation
import GRDB
import Shared

extension SQLiteStore {
    /// Hands queued work of active runs serving `request.model` to a worker,
    /// up to its capacity in samples (always at least one unit if any is queued).
    /// Work never leased goes first, so that a worker whose lease merely
    /// expired has the longest chance to still deliver it.
    func issueLeases(_ request: LeaseRequest, now: Date) async throws -> [IssuedLease] {
        do {
            try request.validate()
        } catch {
            throw CoordinatorError.invalid(error)
        }
        return try await groupCommit.write { db in
            try db.cachedStatement(sql: """
                    INSERT INTO worker (name, model, firstSeen, lastSeen) VALUES (?, ?, ?, ?)
                    ON CONFLICT(name) DO UPDATE SET model = excluded.model, lastSeen = excluded.lastSeen
                    """).execute(arguments: [request.workerName, request.model, now, now])
            try self.expireOverdueLeases(db, now: now)

            let candidates = try Self.queuedUnits(db, model: request.model, limit: min(request.capacity, 4096))
            var granted: [IssuedLease] = []
            var remaining = request.capacity
            var runs: [Int: RunRow] = [:]
            for unit in candidates {
                let count: Int = unit["sampleCount"]
                if count > remaining && !granted.isEmpty { continue }
                let runId: Int = unit["runId"]
                if runs[runId] == nil { runs[runId] = try self.runRow(db, id: runId) }
                granted.append(try Self.issueLease(db, unit: unit, run: runs[runId]!, workerName: request.workerName, now: now))
                remaining -= count
                if remaining <= 0 { break }
            }
            return granted
        }
    }

    /// Queued work of active runs serving `model`: never-leased units first,
    /// then units whose lease expired. Two queries, because each then reads
    /// the (state, runId, id) index in order instead of sorting the queue.
    static func queuedUnits(_ db: Database, model: String, limit: Int) throws -> [Row] {
        // The model's runs first, then each run's queue by the (state, runId,
        // id) index: a join filtered by model walked every queued unit of
        // other models' runs before reaching this model's.
        let runIds = try Int.fetchAll(
            db.cachedStatement(sql: "SELECT id FROM run WHERE state = ? AND model = ? ORDER BY id"),
            arguments: [RunState.active, model])
        var units: [Row] = []
        for condition in ["NULL", "NOT NULL"] {
            let statement = try db.cachedStatement(sql: """
                SELECT * FROM workUnit WHERE state = ? AND runId = ? AND leaseId IS \(condition)
                ORDER BY id LIMIT ?
                """)
            for runId in runIds where units.count < limit {
                units += try Row.fetchAll(statement, arguments: [WorkUnitState.queued, runId, limit - units.count])
            }
        }
        return units
    }

    /// Leases past their expiry give their unit back to the queue, and use
    /// up one of its attempts; a unit past its run's budget fails instead.
    /// The unit remembers the lease, so a late result still counts until the
    /// unit is leased again (or has failed).
    func expireOverdueLeases(_ db: Database, now: Date) throws {
        let overdue = try Row.fetchAll(
            db.cachedStatement(sql: """
                SELECT w.id, w.runId, w.iteration, w.attempts FROM workUnit w JOIN lease l ON l.id = w.leaseId
                WHERE w.state = ? AND l.state = ? AND l.expiresAt < ?
                """),
            arguments: [WorkUnitState.leased, LeaseState.active, now])
        try db.cachedStatement(sql: "UPDATE lease SET state = ? WHERE state = ? AND expiresAt < ?")
            .execute(arguments: [LeaseState.expired, LeaseState.active, now])
        for unit in overdue {
            try useAttempt(db, unitId: unit["id"], runId: unit["runId"], iteration: unit["iteration"], attempts: unit["attempts"], counts: true, now: now)
        }
    }

    /// One failure of a unit's lease (an expiry, or a release of `kind`):
    /// back to the queue, or failed once the run's budget is used up, in
    /// which case its stage may now be complete.
    func useAttempt(_ db: Database, unitId: Int64, runId: Int, iteration: Int, attempts: Int, counts: Bool, now: Date) throws {
        let budget = RetryBudget(maxAttempts: try runRow(db, id: runId).configuration.maxAttemptsPerUnit)
        let outcome = budget.afterFailure(attempts: attempts, counts: counts)
        try db.cachedStatement(sql: "UPDATE workUnit SET state = ?, attempts = ? WHERE id = ?")
            .execute(arguments: [outcome.failed ? WorkUnitState.failed : .queued, outcome.attempts, unitId])
        if outcome.failed {
            try advanceIfStageComplete(db, runId: runId, iteration: iteration, now: now)
        }
    }

    private static func issueLease(_ db: Database, unit: Row, run: RunRow, workerName: String, now: Date) throws -> IssuedLease {
        let configuration = run.configuration
        let leaseId = UUID().uuidString.lowercased()
        let expiresAt = now.addingTimeInterval(configuration.leaseSeconds)
        let unitId: Int64 = unit["id"]
        if let previous: String = unit["leaseId"] {
            try db.cachedStatement(sql: "UPDATE lease SET state = ? WHERE id = ?").execute(arguments: [LeaseState.superseded, previous])
        }
        try db.cachedStatement(
            sql: "INSERT INTO lease (id, workUnitId, workerName, issuedAt, expiresAt, state) VALUES (?, ?, ?, ?, ?, ?)"
        ).execute(arguments: [leaseId, unitId, workerName, now, expiresAt, LeaseState.active])
        try db.cachedStatement(sql: "UPDATE workUnit SET state = ?, leaseId = ? WHERE id = ?")
            .execute(arguments: [WorkUnitState.leased, leaseId, unitId])

        let iteration: Int = unit["iteration"]
        let promptId: Int = unit["promptId"]
        guard let prompt = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT problem, answer FROM prompt WHERE datasetId = ? AND position = ?"),
            arguments: [run.datasetId, promptId])
        else { throw CoordinatorError.notFound("prompt \(promptId) of run \(run.id) is missing from its dataset") }
        let modelVersion = try iterationModelVersion(db, runId: run.id, iteration: iteration) ?? run.modelVersion
        let lease = Lease(
            leaseId: leaseId, runId: run.id, iteration: iteration,
            stage: try unit.stored("stage", table: "workUnit", row: ["id": unitId]), promptId: promptId,
            firstSampleIndex: unit["firstSampleIndex"], sampleCount: unit["sampleCount"],
            prompt: configuration.prompt.render(problem: prompt["problem"]), gold: prompt["answer"],
            generation: configuration.generation, model: configuration.model,
            modelVersion: modelVersion, seed: unit["seed"], expiresAt: expiresAt,
            algorithm: configuration.algorithm, verifier: configuration.verifier, gradNorm: configuration.gradNorm,
            gradNormURL: configuration.gradNormURL)
        return IssuedLease(lease: lease, builtinWeights: try Self.builtinLeaseWeights(db, run: run, modelVersion: modelVersion))
    }

    func heartbeat(leaseId: String, now: Date) async throws -> HeartbeatReply {
        try await groupCommit.write { db in
            let lease = try self.currentLease(db, leaseId: leaseId)
            guard lease.state.isUnfinished else {
                throw CoordinatorError.conflict("lease \(leaseId) is \(lease.state.rawValue); stop working on it")
            }
            try Self.requireNotFailed(lease)
            let expiresAt = now.addingTimeInterval(lease.run.configuration.leaseSeconds)
            // An expired lease whose unit was not re-issued comes back to life.
            try db.cachedStatement(sql: "UPDATE lease SET state = ?, expiresAt = ? WHERE id = ?")
                .execute(arguments: [LeaseState.active, expiresAt, leaseId])
            try db.cachedStatement(sql: "UPDATE workUnit SET state = ? WHERE id = ? AND state = ?")
                .execute(arguments: [WorkUnitState.leased, lease.unitId, WorkUnitState.queued])
            return HeartbeatReply(expiresAt: expiresAt)
        }
    }

    /// Gives a lease's unit back, keeping the worker's reason and kind with
    /// the lease. Kinds that count (`ReleaseKind.countsAsAttempt`) use up one
    /// of the unit's attempts.
    func release(leaseId: String, release: LeaseRelease, now: Date) async throws {
        try await groupCommit.write { db in
            let lease = try self.currentLease(db, leaseId: leaseId)
            guard lease.state.isUnfinished else {
                throw CoordinatorError.conflict("lease \(leaseId) is \(lease.state.rawValue) and cannot be released")
            }
            try Self.requireNotFailed(lease)
            try db.cachedStatement(
                sql: """
                    UPDATE lease SET state = ?, receipt = NULL, releaseReason = ?, releaseKind = ?, releasedAt = ?,
                        releaseSequence = 1 + (SELECT COALESCE(MAX(releaseSequence), 0) FROM lease
                                               WHERE workerName = ? AND releaseKind IS NOT NULL)
                    WHERE id = ?
                    """
            ).execute(arguments: [LeaseState.released, release.reason, release.effectiveKind, now, lease.workerName, leaseId])
            // An expired lease's unit is queued already and has paid for the expiry.
            let counts = release.effectiveKind.countsAsAttempt && lease.state == .active
            try db.cachedStatement(sql: "UPDATE workUnit SET leaseId = NULL WHERE id = ?").execute(arguments: [lease.unitId])
            try self.useAttempt(
                db, unitId: lease.unitId, runId: lease.unit["runId"], iteration: lease.unit["iteration"],
                attempts: lease.unit["attempts"], counts: counts, now: now)
        }
    }

    /// A unit that used up its attempts takes no more heartbeats, results or
    /// releases: its iteration has gone on without it.
    static func requireNotFailed(_ lease: CurrentLease) throws {
        guard lease.unitState != .failed else {
            throw CoordinatorError.conflict(
                "the work of this lease failed after \(lease.unit["attempts"] as Int) attempts; the iteration goes on without it")
        }
    }

    /// A lease that still holds its unit.
    struct CurrentLease {
        var state: LeaseState
        var unitId: Int64
        var unit: Row
        var unitState: WorkUnitState
        var run: RunRow
        var workerName: String
    }

    /// Looks a lease up and checks that its unit has not been handed to
    /// someone else since, and that its run still takes results.
    func currentLease(_ db: Database, leaseId: String) throws -> CurrentLease {
        guard let lease = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM lease WHERE id = ?"), arguments: [leaseId])
        else {
            throw CoordinatorError.notFound("lease \(leaseId) does not exist")
        }
        let unitId: Int64 = lease["workUnitId"]
        guard let unit = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM workUnit WHERE id = ?"), arguments: [unitId])
        else {
            throw CoordinatorError.notFound("the work of lease \(leaseId) no longer exists")
        }
        guard (unit["leaseId"] as String?) == leaseId else {
            throw CoordinatorError.conflict("lease \(leaseId) was re-issued to another worker or released; its result is not counted")
        }
        let run = try runRow(db, id: unit["runId"])
        guard run.state != .cancelled else {
            throw CoordinatorError.conflict("run \(run.id) was cancelled; results are refused")
        }
        return CurrentLease(
            state: try lease.stored("state", table: "lease", row: ["id": leaseId]), unitId: unitId, unit: unit,
            unitState: try unit.stored("state", table: "workUnit", row: ["id": unitId]), run: run,
            workerName: lease["workerName"])
    }
}
