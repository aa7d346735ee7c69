import Foundation
import GRDB
import Shared

extension SQLiteStore {
    /// Hands queued work of active runs serving `request.model` to a worker,
    /// up to its capacity in samples (always at least one unit if any is queued).
    /// Work never leased goes first, so that a worker whose lease merely
    /// expired has the longest chance to still deliver it.
    func issueLeases(_ request: LeaseRequest, identity: String?, now: Date) async throws -> [IssuedLease] {
        do {
            try request.validate()
        } catch {
            throw RequestRefusal.invalid(error)
        }
        return try await groupCommit.write { db in
            try db.cachedStatement(sql: """
                    INSERT INTO worker (name, model, firstSeen, lastSeen) VALUES (?, ?, ?, ?)
                    ON CONFLICT(name) DO UPDATE SET model = excluded.model, lastSeen = excluded.lastSeen
                    """).execute(arguments: [request.workerName, request.model, now, now])
            try self.expireOverdueLeases(db, now: now)

            let candidates = try Self.queuedUnits(db, model: request.model, limit: min(request.capacity, 4096))
            var granted: [IssuedLease] = []
            var runs: [Int: RunRow] = [:]
            for index in LeaseRules.pack(sampleCounts: candidates.map { $0["sampleCount"] }, capacity: request.capacity) {
                let unit = candidates[index]
                let runId: Int = unit["runId"]
                if runs[runId] == nil { runs[runId] = try self.runRow(db, id: runId) }
                granted.append(try Self.issueLease(
                    db, unit: unit, run: runs[runId]!, workerName: request.workerName, identity: identity, now: now))
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
        for kind in LeaseRules.grantOrder {
            let condition = switch kind {
            case .neverLeased: "NULL"
            case .leasedBefore: "NOT NULL"
            }
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
    /// up one of its attempts; a unit past its run's budget fails instead
    /// (`LeaseRules.expiry`). The unit remembers the lease, so a late result
    /// still counts until the unit is leased again (or has failed).
    func expireOverdueLeases(_ db: Database, now: Date) throws {
        // The query selects by the index what `LeaseRules.expiry` expires.
        let overdue = try Row.fetchAll(
            db.cachedStatement(sql: """
                SELECT w.id, w.runId, w.iteration, w.attempts, l.expiresAt FROM workUnit w JOIN lease l ON l.id = w.leaseId
                WHERE w.state = ? AND l.state = ? AND l.expiresAt < ?
                """),
            arguments: [WorkUnitState.leased, LeaseState.active, now])
        try db.cachedStatement(sql: "UPDATE lease SET state = ? WHERE state = ? AND expiresAt < ?")
            .execute(arguments: [LeaseState.expired, LeaseState.active, now])
        for unit in overdue {
            let runId: Int = unit["runId"]
            let rules = LeaseRules(configuration: try runRow(db, id: runId).configuration)
            let decision = rules.expiry(state: .active, expiresAt: unit["expiresAt"], attempts: unit["attempts"], now: now)
            guard case .expire(let retry) = decision else { continue }
            try retryUnit(db, unitId: unit["id"], runId: runId, iteration: unit["iteration"], retry: retry, now: now)
        }
    }

    /// Executes what a failed lease leaves of its unit (an expiry, or a
    /// release): back to the queue, or failed, in which case its stage may
    /// now be complete.
    func retryUnit(_ db: Database, unitId: Int64, runId: Int, iteration: Int, retry: LeaseRules.UnitRetry, now: Date) throws {
        let (state, attempts): (WorkUnitState, Int) = switch retry {
        case .requeue(let attempts): (.queued, attempts)
        case .fail(let attempts): (.failed, attempts)
        }
        try db.cachedStatement(sql: "UPDATE workUnit SET state = ?, attempts = ? WHERE id = ?")
            .execute(arguments: [state, attempts, unitId])
        if state == .failed {
            // A failed round ends its prompt's rounds: its samples never came.
            if let unit = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT stage, promptId FROM workUnit WHERE id = ?"), arguments: [unitId]),
                unit["stage"] as String == SamplingStage.sample.rawValue
            {
                try continueRounds(
                    db, runId: runId, iteration: iteration, promptId: unit["promptId"],
                    configuration: try runRow(db, id: runId).configuration, roundFailed: true)
            }
            try advanceIfStageComplete(db, runId: runId, iteration: iteration, now: now)
        }
    }

    private static func issueLease(
        _ db: Database, unit: Row, run: RunRow, workerName: String, identity: String?, now: Date
    ) throws -> IssuedLease {
        let configuration = run.configuration
        let leaseId = UUID().uuidString.lowercased()
        let grant = LeaseRules(configuration: configuration).grant(unitLeaseId: unit["leaseId"], now: now)
        let expiresAt = grant.expiresAt
        let unitId: Int64 = unit["id"]
        if let previous = grant.supersedes {
            try db.cachedStatement(sql: "UPDATE lease SET state = ? WHERE id = ?").execute(arguments: [LeaseState.superseded, previous])
        }
        try db.cachedStatement(
            sql: "INSERT INTO lease (id, workUnitId, workerName, identity, issuedAt, expiresAt, state) VALUES (?, ?, ?, ?, ?, ?, ?)"
        ).execute(arguments: [leaseId, unitId, workerName, identity, now, expiresAt, LeaseState.active])
        try db.cachedStatement(sql: "UPDATE workUnit SET state = ?, leaseId = ? WHERE id = ?")
            .execute(arguments: [WorkUnitState.leased, leaseId, unitId])

        let iteration: Int = unit["iteration"]
        let promptId: Int = unit["promptId"]
        guard let prompt = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT problem, answer FROM prompt WHERE datasetId = ? AND position = ?"),
            arguments: [run.datasetId, promptId])
        else { throw RequestRefusal.notFound("prompt \(promptId) of run \(run.id) is missing from its dataset") }
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

    func heartbeat(leaseId: String, caller: String?, now: Date) async throws -> HeartbeatReply {
        try await groupCommit.write { db in
            let lease = try self.currentLease(db, leaseId: leaseId, caller: caller)
            switch LeaseRules(configuration: lease.run.configuration).heartbeat(lease.snapshot, now: now) {
            case .refuse(let refusal):
                throw refusal.error
            case .extend(let expiresAt, let reclaimUnit):
                try db.cachedStatement(sql: "UPDATE lease SET state = ?, expiresAt = ? WHERE id = ?")
                    .execute(arguments: [LeaseState.active, expiresAt, leaseId])
                if reclaimUnit {
                    try db.cachedStatement(sql: "UPDATE workUnit SET state = ? WHERE id = ? AND state = ?")
                        .execute(arguments: [WorkUnitState.leased, lease.unitId, WorkUnitState.queued])
                }
                return HeartbeatReply(expiresAt: expiresAt)
            }
        }
    }

    /// Gives a lease's unit back, keeping the worker's reason and kind with
    /// the lease. Kinds that count (`ReleaseKind.countsAsAttempt`) use up one
    /// of the unit's attempts (`LeaseRules.release`).
    func release(leaseId: String, caller: String?, release: LeaseRelease, now: Date) async throws {
        try await groupCommit.write { db in
            let lease = try self.currentLease(db, leaseId: leaseId, caller: caller)
            switch LeaseRules(configuration: lease.run.configuration).release(lease.snapshot, kind: release.effectiveKind) {
            case .refuse(let refusal):
                throw refusal.error
            case .giveBack(_, let retry):
                try db.cachedStatement(
                    sql: """
                        UPDATE lease SET state = ?, receipt = NULL, releaseReason = ?, releaseKind = ?, releasedAt = ?,
                            releaseSequence = 1 + (SELECT COALESCE(MAX(releaseSequence), 0) FROM lease
                                                   WHERE workerName = ? AND releaseKind IS NOT NULL)
                        WHERE id = ?
                        """
                ).execute(arguments: [LeaseState.released, release.reason, release.effectiveKind, now, lease.workerName, leaseId])
                try db.cachedStatement(sql: "UPDATE workUnit SET leaseId = NULL WHERE id = ?").execute(arguments: [lease.unitId])
                try self.retryUnit(
                    db, unitId: lease.unitId, runId: lease.unit["runId"], iteration: lease.unit["iteration"], retry: retry, now: now)
            }
        }
    }

    /// A lease that still holds its unit, with the rows its rules read.
    struct CurrentLease {
        var snapshot: LeaseSnapshot
        var unitId: Int64
        var unit: Row
        var run: RunRow
        var workerName: String
    }

    /// Looks a lease up and checks that `caller` holds it
    /// (`LeaseRules.owning`), then its standing (`LeaseRules.standing`):
    /// that its unit has not been handed to someone else since, and that its
    /// run still takes results. The standing is checked before the stored
    /// states are decoded, as it always was.
    func currentLease(_ db: Database, leaseId: String, caller: String?) throws -> CurrentLease {
        guard let lease = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM lease WHERE id = ?"), arguments: [leaseId])
        else {
            throw RequestRefusal.notFound("lease \(leaseId) does not exist")
        }
        if let refusal = LeaseRules.owning(leaseId: leaseId, holder: lease["identity"], caller: caller) { throw refusal.error }
        let unitId: Int64 = lease["workUnitId"]
        guard let unit = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM workUnit WHERE id = ?"), arguments: [unitId])
        else {
            throw RequestRefusal.notFound("the work of lease \(leaseId) no longer exists")
        }
        let unitLeaseId: String? = unit["leaseId"]
        if let refusal = LeaseRules.holding(leaseId: leaseId, unitLeaseId: unitLeaseId) { throw refusal.error }
        let run = try runRow(db, id: unit["runId"])
        if let refusal = LeaseRules.taking(runId: run.id, runState: run.state) { throw refusal.error }
        let snapshot = LeaseSnapshot(
            leaseId: leaseId, state: try lease.stored("state", table: "lease", row: ["id": leaseId]),
            unitLeaseId: unitLeaseId, unitState: try unit.stored("state", table: "workUnit", row: ["id": unitId]),
            attempts: unit["attempts"], firstSampleIndex: unit["firstSampleIndex"], sampleCount: unit["sampleCount"],
            runId: run.id, runState: run.state)
        return CurrentLease(snapshot: snapshot, unitId: unitId, unit: unit, run: run, workerName: lease["workerName"])
    }
}
