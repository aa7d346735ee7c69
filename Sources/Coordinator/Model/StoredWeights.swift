import Foundation

/// One stored model version of a built-in run.
struct StoredWeights: Sendable, Equatable {
    var bytes: Data
    /// Lower-case hex SHA-256 of `bytes`.
    var sha256: String
}
