import Foundation
import GRDB
import Shared

extension SQLiteStore {
    func importDataset(_ dataset: ParsedDataset, now: Date) async throws -> DatasetSummary {
        try await pool.write { db in
            if let existing = try Row.fetchOne(
                db, sql: "SELECT contentHash, promptCount, importedAt FROM dataset WHERE name = ?",
                arguments: [dataset.name])
            {
                // Re-importing the same file is a no-op; different content
                // under a used name would silently change old runs' prompts.
                guard existing["contentHash"] == dataset.contentHash else {
                    throw CoordinatorError.conflict(
                        "dataset \"\(dataset.name)\" already exists with different content; import it under another name")
                }
                return DatasetSummary(
                    name: dataset.name, contentHash: existing["contentHash"], promptCount: existing["promptCount"],
                    importedAt: existing["importedAt"], created: false)
            }
            try db.execute(
                sql: "INSERT INTO dataset (name, contentHash, promptCount, options, importedAt) VALUES (?, ?, ?, ?, ?)",
                arguments: [dataset.name, dataset.contentHash, dataset.prompts.count, try Self.json(dataset.options), now])
            let datasetId = db.lastInsertedRowID
            let insert = try db.makeStatement(
                sql: "INSERT INTO prompt (datasetId, position, problem, answer, level) VALUES (?, ?, ?, ?, ?)")
            for (position, prompt) in dataset.prompts.enumerated() {
                try insert.execute(arguments: [datasetId, position, prompt.problem, prompt.answer, prompt.level])
            }
            return DatasetSummary(
                name: dataset.name, contentHash: dataset.contentHash, promptCount: dataset.prompts.count,
                importedAt: now, created: true)
        }
    }

    func datasets() async throws -> [DatasetSummary] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM dataset ORDER BY id").map {
                DatasetSummary(
                    name: $0["name"], contentHash: $0["contentHash"], promptCount: $0["promptCount"],
                    importedAt: $0["importedAt"], created: false)
            }
        }
    }
}
