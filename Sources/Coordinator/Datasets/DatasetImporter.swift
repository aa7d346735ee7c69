import Foundation

/// The streamed import behind `POST /v1/datasets`: a spooled body is parsed
/// chunk by chunk off the cooperative pool and stored batch by batch into a
/// hidden row, made visible in one short final write. A failed import is
/// deleted again; one a crash cut short is deleted by the next import.
struct DatasetImporter: Sendable {
    let store: any DatasetImportStore
    let names: DatasetNameGate
    /// Where batches end (smaller in tests, to cross many boundaries).
    var batcher = DatasetBatcher()

    func importBody(
        _ body: SpooledDatasetBody, name: String, options: DatasetImportOptions, now: @escaping @Sendable () -> Date = Date.init
    ) async throws -> DatasetSummary {
        try await names.withName(name) {
            try await discardAbandonedImports(heldName: name)
            switch try await store.beginDatasetImport(name: name, contentHash: body.contentHash, options: options, now: now()) {
            case .alreadyImported(let summary):
                return summary
            case .started(let importId):
                do {
                    let promptCount = try await storePrompts(of: body, options: options, importId: importId)
                    let summary = try await store.finishDatasetImport(importId: importId, promptCount: promptCount, now: now())
                    if !summary.created { try await store.discardDatasetImport(importId: importId) }
                    return summary
                } catch {
                    // Should this fail too, the next import deletes the row.
                    try? await store.discardDatasetImport(importId: importId)
                    throw error
                }
            }
        }
    }

    private func storePrompts(of body: SpooledDatasetBody, options: DatasetImportOptions, importId: Int64) async throws -> Int {
        let batches = try await BlockingIO.run { [batcher] in
            try DatasetFileBatches(url: body.url, options: options, batcher: batcher)
        }
        while let completed = try await BlockingIO.run({ try batches.next() }) {
            for batch in completed {
                try await store.appendDatasetPrompts(batch, importId: importId)
            }
        }
        try await BlockingIO.run { try batches.close() }
        return batches.promptCount
    }

    /// Importing rows that no import of this coordinator is working on were
    /// left by a crash (one coordinator per database file). `name` is held
    /// by this import, which has not begun yet: its rows are leftovers too.
    private func discardAbandonedImports(heldName name: String) async throws {
        let unfinished = try await store.unfinishedDatasetImports()
        guard !unfinished.isEmpty else { return }
        let inProgress = await names.namesHeld
        for row in unfinished where row.name == name || !inProgress.contains(row.name) {
            try await store.discardDatasetImport(importId: row.importId)
        }
    }
}
