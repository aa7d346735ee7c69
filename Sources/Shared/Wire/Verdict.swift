/// What a verifier concluded about one response.
///
/// In Shared, not with the verifier (`MathVerifier`), because it is on the
/// wire: `gvm-worker verify` writes it as `VerifyResultLine`.
public struct Verdict: Sendable, Equatable, Codable {
    /// Whether the response's committed final answer equals the gold answer.
    public var correct: Bool
    /// The final answer as found in the response (last box, or the text after a
    /// fallback phrase), trimmed, without `$` and a trailing period, before any
    /// other normalisation. `nil` when the response commits to no answer.
    public var extracted: String?

    public init(correct: Bool, extracted: String?) {
        self.correct = correct
        self.extracted = extracted
    }
}
