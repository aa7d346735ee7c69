import Foundation
import GRDB
import Shared

extension SQLiteStore {
    /// A dataset already in memory, in one transaction (small sets: tests,
    /// fixtures). The HTTP import streams through `beginDatasetImport`.
    func importDataset(_ dataset: ParsedDataset, now: Date) async throws -> DatasetSummary {
        try await pool.write { db in
            if let existing = try Self.readyDataset(db, name: dataset.name) {
                // Re-importing the same file is a no-op; different content
                // under a used name would silently change old runs' prompts.
                switch DatasetNameClaim(readyContentHash: existing.contentHash, contentHash: dataset.contentHash) {
                case .taken: throw DatasetNameClaim.conflict(name: dataset.name)
                case .alreadyImported, .free: return existing
                }
            }
            try db.execute(
                sql: "INSERT INTO dataset (name, contentHash, promptCount, options, importedAt) VALUES (?, ?, ?, ?, ?)",
                arguments: [dataset.name, dataset.contentHash, dataset.prompts.count, try Self.json(dataset.options), now])
            try Self.insertPrompts(
                db, DatasetBatcher.Batch(firstPosition: 0, prompts: dataset.prompts), datasetId: db.lastInsertedRowID)
            return DatasetSummary(
                name: dataset.name, contentHash: dataset.contentHash, promptCount: dataset.prompts.count,
                importedAt: now, created: true)
        }
    }

    func datasets() async throws -> [DatasetSummary] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM dataset WHERE state = ? ORDER BY id", arguments: [DatasetRowState.ready])
                .map(Self.summary)
        }
    }

    // MARK: Streamed import

    func beginDatasetImport(name: String, contentHash: String, options: DatasetImportOptions, now: Date) async throws -> DatasetImportStart {
        try await pool.write { db in
            if let existing = try Self.readyDataset(db, name: name) {
                switch DatasetNameClaim(readyContentHash: existing.contentHash, contentHash: contentHash) {
                case .taken: throw DatasetNameClaim.conflict(name: name)
                case .alreadyImported, .free: return .alreadyImported(existing)
                }
            }
            try db.execute(
                sql: """
                    INSERT INTO dataset (name, contentHash, promptCount, options, importedAt, state, pendingName)
                    VALUES (?, ?, 0, ?, ?, ?, ?)
                    """,
                arguments: [
                    DatasetRowState.placeholderName(), contentHash, try Self.json(options), now,
                    DatasetRowState.importing, name,
                ])
            return .started(importId: db.lastInsertedRowID)
        }
    }

    func appendDatasetPrompts(_ batch: DatasetBatcher.Batch, importId: Int64) async throws {
        try await pool.write { db in
            _ = try Self.importingName(db, importId: importId)
            try Self.insertPrompts(db, batch, datasetId: importId)
        }
    }

    func finishDatasetImport(importId: Int64, promptCount: Int, now: Date) async throws -> DatasetSummary {
        try await pool.write { db in
            let name = try Self.importingName(db, importId: importId)
            let contentHash = try String.fetchOne(db, sql: "SELECT contentHash FROM dataset WHERE id = ?", arguments: [importId]) ?? ""
            // Another coordinator on the same file may have won the name
            // meanwhile; the caller then discards this import.
            if let existing = try Self.readyDataset(db, name: name) {
                switch DatasetNameClaim(readyContentHash: existing.contentHash, contentHash: contentHash) {
                case .taken: throw DatasetNameClaim.conflict(name: name)
                case .alreadyImported, .free: return existing
                }
            }
            // A seek, not a count: the transaction stays short at any size.
            let last = try Int.fetchOne(db, sql: "SELECT MAX(position) FROM prompt WHERE datasetId = ?", arguments: [importId])
            guard last == promptCount - 1 else {
                throw RequestRefusal.conflict("dataset \"\(name)\" lacks prompts that its import sent; import it again")
            }
            try db.execute(
                sql: "UPDATE dataset SET name = pendingName, pendingName = NULL, state = ?, promptCount = ?, importedAt = ? WHERE id = ?",
                arguments: [DatasetRowState.ready, promptCount, now, importId])
            return DatasetSummary(name: name, contentHash: contentHash, promptCount: promptCount, importedAt: now, created: true)
        }
    }

    func discardDatasetImport(importId: Int64) async throws {
        // The row is hidden, so it may go in several short writes.
        while try await pool.write({ db in
            try db.execute(
                sql: """
                    DELETE FROM prompt WHERE datasetId = ?1 AND position IN
                        (SELECT position FROM prompt WHERE datasetId = ?1 ORDER BY position LIMIT ?2)
                    """,
                arguments: [importId, DatasetBatcher.standardMaxPrompts])
            return db.changesCount > 0
        }) {}
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM dataset WHERE id = ? AND state = ?", arguments: [importId, DatasetRowState.importing])
        }
    }

    func unfinishedDatasetImports() async throws -> [UnfinishedDatasetImport] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, pendingName FROM dataset WHERE state = ? ORDER BY id",
                arguments: [DatasetRowState.importing]
            ).map { UnfinishedDatasetImport(importId: $0["id"], name: $0["pendingName"]) }
        }
    }

    // MARK: Row helpers

    private static func summary(_ row: Row) -> DatasetSummary {
        DatasetSummary(
            name: row["name"], contentHash: row["contentHash"], promptCount: row["promptCount"],
            importedAt: row["importedAt"], created: false)
    }

    private static func readyDataset(_ db: Database, name: String) throws -> DatasetSummary? {
        try Row.fetchOne(
            db, sql: "SELECT * FROM dataset WHERE name = ? AND state = ?", arguments: [name, DatasetRowState.ready]
        ).map(summary)
    }

    /// The name an importing row will take; fails when the row is gone or
    /// already finished, so that no batch lands in the wrong dataset.
    private static func importingName(_ db: Database, importId: Int64) throws -> String {
        guard let name = try String.fetchOne(
            db, sql: "SELECT pendingName FROM dataset WHERE id = ? AND state = ?",
            arguments: [importId, DatasetRowState.importing])
        else {
            throw RequestRefusal.conflict("dataset import \(importId) is no longer in progress; import it again")
        }
        return name
    }

    private static func insertPrompts(_ db: Database, _ batch: DatasetBatcher.Batch, datasetId: Int64) throws {
        let insert = try db.cachedStatement(
            sql: "INSERT INTO prompt (datasetId, position, problem, answer, level) VALUES (?, ?, ?, ?, ?)")
        for (offset, prompt) in batch.prompts.enumerated() {
            try insert.execute(arguments: [datasetId, batch.firstPosition + offset, prompt.problem, prompt.answer, prompt.level])
        }
    }
}
