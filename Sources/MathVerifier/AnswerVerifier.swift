import Shared

/// Judges a chain-of-thought response against a gold answer. Implementations
/// are pure and thread-safe, so callers may verify many responses in parallel.
public protocol AnswerVerifier: Sendable {
    func verify(response: String, gold: String) -> Verdict
}
