import Foundation
import GRDB
import Policy
import Shared

/// What a run on the built-in model needs before it is created: its
/// version-0 weights, and prompts the model can read.
extension SQLiteStore {
    /// Nil for other runs. The weights file is read off the cooperative pool
    /// and the prompts are checked in a read, so the write that creates the
    /// run stays short.
    func checkBuiltin(_ configuration: RunConfiguration) async throws -> CheckedWeights? {
        guard let builtin = configuration.builtin else { return nil }
        guard configuration.modelVersion == "0" else {
            throw RequestRefusal.invalid(
                field: "modelVersion",
                "must be \"0\" for a built-in run: the coordinator numbers the versions it trains, got \"\(configuration.modelVersion)\"")
        }
        let path = builtin.weights
        let weights = try await BlockingIO.run { try BuiltinWeights.read(path: path) }
        try await pool.read { db in
            try Self.checkBuiltinPrompts(db, configuration: configuration, builtin: builtin, model: weights.config)
        }
        return weights
    }

    /// The run's dataset and its test prompts must be imported, and every
    /// prompt must fit the model's vocabulary and context.
    private static func checkBuiltinPrompts(
        _ db: Database, configuration: RunConfiguration, builtin: BuiltinTraining, model: TransformerConfig
    ) throws {
        guard let datasetId = try Int64.fetchOne(
            db, sql: "SELECT id FROM dataset WHERE name = ?", arguments: [configuration.dataset])
        else {
            throw RequestRefusal.invalid(field: "dataset", "no dataset named \"\(configuration.dataset)\" has been imported")
        }
        guard let testId = try Int64.fetchOne(
            db, sql: "SELECT id FROM dataset WHERE name = ?", arguments: [builtin.testDataset])
        else {
            throw RequestRefusal.invalid(
                field: "builtin.testDataset", "no dataset named \"\(builtin.testDataset)\" has been imported")
        }
        func problems(_ datasetId: Int64, limit: Int?) throws -> [(position: Int, problem: String)] {
            try Row.fetchAll(
                db, sql: "SELECT position, problem FROM prompt WHERE datasetId = ? ORDER BY position LIMIT ?",
                arguments: [datasetId, limit ?? -1]
            ).map { ($0["position"], $0["problem"]) }
        }
        try BuiltinWeights.checkPrompts(
            try problems(datasetId, limit: nil), datasetName: configuration.dataset, datasetField: "dataset",
            template: configuration.prompt, config: model)
        try BuiltinWeights.checkPrompts(
            try problems(testId, limit: builtin.testPrompts == 0 ? nil : builtin.testPrompts),
            datasetName: builtin.testDataset, datasetField: "builtin.testDataset",
            template: configuration.prompt, config: model)
    }
}
