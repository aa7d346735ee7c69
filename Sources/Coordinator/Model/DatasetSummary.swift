import Foundation

/// An imported dataset, as `import-dataset` and `GET /v1/datasets` answer it.
struct DatasetSummary: Codable, Sendable, Equatable {
    var name: String
    var contentHash: String
    var promptCount: Int
    var importedAt: Date
    /// False when the same content was already imported under this name.
    var created: Bool
}
