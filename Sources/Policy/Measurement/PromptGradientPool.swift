/// One prompt's pool for the mechanism benchmark: M samples at temperature
/// 1, each verified, and, when at least one was accepted, the exact norms of
/// each sample's sequence log-likelihood gradient (its count sketch goes to
/// the caller's buffer, see `GradientPoolBuilder`).
public struct PromptGradientPool: Sendable, Equatable {
    /// False when no sample was accepted (p = 0): no estimator needs such a
    /// prompt, so no gradient was taken and every norm and sketch row is 0.
    public var gradients: Bool
    /// Each sample's response tokens as the trainer learns from them: the
    /// sampled characters, and end-of-text when the sample stopped there.
    public var responses: [[Int32]]
    /// 1 where the verifier accepted the sample, else 0.
    public var rewards: [Int]
    /// L2 norms of ∇ Σ_t log p(response_t | prompt, response_<t) over the
    /// token embedding, the output head (weight and bias) and all parameters.
    public var normEmbedding: [Double]
    public var normHead: [Double]
    public var normAll: [Double]

    /// Response tokens per sample, the loss's token count.
    public var tokens: [Int] { responses.map(\.count) }
    public var accepted: Int { rewards.reduce(0, +) }
}
