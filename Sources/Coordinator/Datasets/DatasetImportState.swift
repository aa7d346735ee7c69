import Foundation

/// A dataset row's life: `importing` while a streamed import adds its prompts
/// batch by batch, then `ready` in one short final write. Only ready rows
/// exist for listings, run creation and name lookups: an importing row holds
/// a placeholder name that no valid dataset name can equal, and the name it
/// will take in `pendingName`.
enum DatasetRowState: String, Sendable, CaseIterable {
    case importing
    case ready

    /// Unique per import, and refused by `WireText.checkName` (it starts with
    /// a control character), so no run configuration can name it.
    static func placeholderName() -> String {
        "\u{1}importing \(UUID().uuidString)"
    }
}

/// What importing content under a name means, given what the name already holds.
enum DatasetNameClaim: Equatable {
    /// Nothing ready under the name: import.
    case free
    /// The same content is there already: nothing to do (200).
    case alreadyImported
    /// Other content is there: refused (409), since old runs' prompts would change.
    case taken

    init(readyContentHash: String?, contentHash: String) {
        switch readyContentHash {
        case nil: self = .free
        case contentHash?: self = .alreadyImported
        default: self = .taken
        }
    }

    static func conflict(name: String) -> RequestRefusal {
        .conflict("dataset \"\(name)\" already exists with different content; import it under another name")
    }
}

/// The result of starting a streamed import.
enum DatasetImportStart: Sendable, Equatable {
    /// A hidden row was made; its prompts go in by `appendDatasetPrompts`.
    case started(importId: Int64)
    case alreadyImported(DatasetSummary)
}

/// An importing row: one in progress, or one a crash left behind.
struct UnfinishedDatasetImport: Sendable, Equatable {
    var importId: Int64
    var name: String
}

/// The store's side of a streamed import: every step is one short write, so
/// that lease grants never wait long behind a large import.
protocol DatasetImportStore: Sendable {
    /// A hidden `importing` row, unless the name already holds this content;
    /// other content under the name is refused.
    func beginDatasetImport(name: String, contentHash: String, options: DatasetImportOptions, now: Date) async throws -> DatasetImportStart
    func appendDatasetPrompts(_ batch: DatasetBatcher.Batch, importId: Int64) async throws
    /// Makes the dataset visible, with all its prompts, in one write.
    func finishDatasetImport(importId: Int64, promptCount: Int, now: Date) async throws -> DatasetSummary
    /// Deletes an importing row and its prompts, in short writes.
    func discardDatasetImport(importId: Int64) async throws
    func unfinishedDatasetImports() async throws -> [UnfinishedDatasetImport]
}
