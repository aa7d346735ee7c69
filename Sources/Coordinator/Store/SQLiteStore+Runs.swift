import Foundation
import GRDB
import Shared

extension SQLiteStore {
    func createRun(_ configuration: RunConfiguration, now: Date) async throws -> RunSummary {
        do {
            try configuration.validate()
        } catch {
            throw RequestRefusal.invalid(error)
        }
        let weights = try await checkBuiltin(configuration)
        return try await pool.write { db in
            guard let dataset = try Row.fetchOne(
                db, sql: "SELECT id, promptCount FROM dataset WHERE name = ?", arguments: [configuration.dataset])
            else {
                throw RequestRefusal.invalid(field: "dataset", "no dataset named \"\(configuration.dataset)\" has been imported")
            }
            let promptCount: Int = dataset["promptCount"]
            // A batch holds each prompt at most once, so statistics and
            // traces can be keyed by prompt.
            guard configuration.promptsPerIteration <= promptCount else {
                throw RequestRefusal.invalid(
                    field: "promptsPerIteration",
                    "must be at most the dataset's \(promptCount) prompts, got \(configuration.promptsPerIteration)")
            }
            try db.execute(
                sql: """
                    INSERT INTO run (
                        datasetId, model, configuration, gvmVersion, state, currentIteration, modelVersion, createdAt,
                        orderVersion)
                    VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)
                    """,
                arguments: [
                    dataset["id"], configuration.model, try Self.json(configuration), GVMVersion.current,
                    RunState.active, configuration.modelVersion, now, OrderVersion.current.rawValue,
                ])
            let runId = Int(db.lastInsertedRowID)
            if let weights {
                try Self.insertWeights(db, runId: runId, version: "0", weights: weights, now: now)
            }
            try self.startIteration(db, runId: runId, number: 0, now: now)
            return try self.runSummary(db, id: runId)
        }
    }

    func run(id: Int) async throws -> RunSummary {
        try await pool.read { db in try self.runSummary(db, id: id) }
    }

    func runSummary(_ db: Database, id: Int) throws -> RunSummary {
        let run = try runRow(db, id: id)
        return RunSummary(
            runId: run.id, state: run.state, iteration: run.currentIteration,
            stage: try Self.iterationStage(db, runId: id, iteration: run.currentIteration),
            modelVersion: run.modelVersion, gvmVersion: run.gvmVersion, createdAt: run.createdAt,
            orderVersion: run.orderVersion, configuration: run.configuration)
    }

    /// How run `runId` shuffles its prompts and minibatches.
    func orderVersion(runId: Int) async throws -> OrderVersion {
        try await pool.read { db in try self.runRow(db, id: runId).orderVersion }
    }

    /// A run's stored `orderVersion`. One this gvm does not know (a newer
    /// gvm's, or a damaged file) is refused: any other order would silently
    /// give the run different prompts and minibatches.
    static func orderVersion(stored value: Int, runId: Int) throws -> OrderVersion {
        guard let version = OrderVersion(rawValue: value) else { throw UnknownOrderVersion(runId: runId, value: value) }
        return version
    }
}
