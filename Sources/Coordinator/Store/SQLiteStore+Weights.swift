import Foundation
import GRDB
import Shared

/// The weights of built-in runs: version 0 from the run's file, then one
/// version per trained iteration. Workers fetch them by the path in their
/// leases (which the API renders) and cache them by SHA-256.
extension SQLiteStore {
    func weights(runId: Int, version: String) async throws -> StoredWeights {
        try await pool.read { db in
            _ = try self.runRow(db, id: runId)
            guard let weights = try Self.storedWeights(db, runId: runId, version: version) else {
                throw RequestRefusal.notFound("run \(runId) has no weights of model version \"\(version)\"")
            }
            return weights
        }
    }

    static func storedWeights(_ db: Database, runId: Int, version: String) throws -> StoredWeights? {
        try Row.fetchOne(
            db, sql: "SELECT bytes, sha256 FROM modelWeights WHERE runId = ? AND version = ?", arguments: [runId, version]
        ).map { StoredWeights(bytes: $0["bytes"], sha256: $0["sha256"]) }
    }

    static func insertWeights(_ db: Database, runId: Int, version: String, weights: CheckedWeights, now: Date) throws {
        try db.execute(
            sql: "INSERT INTO modelWeights (runId, version, bytes, sha256, createdAt) VALUES (?, ?, ?, ?, ?)",
            arguments: [runId, version, weights.bytes, weights.sha256, now])
    }

    /// Which weights a lease's worker needs for `modelVersion`: one index
    /// lookup of the hash, never the blob, on the lease-grant path.
    static func builtinLeaseWeights(_ db: Database, run: RunRow, modelVersion: String) throws -> BuiltinLeaseWeights? {
        guard let builtin = run.configuration.builtin else { return nil }
        guard let sha256 = try String.fetchOne(
            db.cachedStatement(sql: "SELECT sha256 FROM modelWeights WHERE runId = ? AND version = ?"),
            arguments: [run.id, modelVersion])
        else {
            throw RequestRefusal.notFound("run \(run.id) has no weights of model version \"\(modelVersion)\"")
        }
        return BuiltinLeaseWeights(runId: run.id, version: modelVersion, sha256: sha256, gradNormGroup: builtin.gradNormGroup)
    }
}
