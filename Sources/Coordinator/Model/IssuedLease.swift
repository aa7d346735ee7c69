import Shared

/// A lease as the store issues it. Its `lease.builtin` is nil: where the
/// weights are served is the API's to say, so the store hands over what it
/// knows of them in `builtinWeights`, and the API renders the wire lease
/// (`IssuedLease.wireLease`).
struct IssuedLease: Sendable, Equatable {
    var lease: Lease
    /// Runs on the built-in model only.
    var builtinWeights: BuiltinLeaseWeights?
}
