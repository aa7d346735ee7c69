import Shared

/// The weights a built-in lease samples with, as the store knows them: which
/// stored version, its hash (workers cache weights by it), and the parameters
/// the worker takes gradient norms over.
struct BuiltinLeaseWeights: Sendable, Equatable {
    var runId: Int
    var version: String
    /// Lower-case hex SHA-256 of the weights file.
    var sha256: String
    var gradNormGroup: ParameterGroupName
}
