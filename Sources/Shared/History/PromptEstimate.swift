/// What the history says about one prompt at one moment of an iteration
/// (`docs/allocation-strategies.md#history-statistics`): the decayed tallies,
/// the Beta posterior and its prior, G_i, and the flags that steer pre-sampling
/// and allocation. The coordinator stores it beside the prompt's allocation.
public struct PromptEstimate: Sendable, Equatable, Codable {
    /// c_i, f_i: decayed counts of correct and wrong samples.
    public var correct: Double
    public var wrong: Double
    /// S_i, V_i: decayed sum and count of measured accepted norms.
    public var normSum: Double
    public var normCount: Double
    public var priorA: Double
    public var priorB: Double
    /// The posterior Beta(a, b): a = priorA + c, b = priorB + f.
    public var posteriorA: Double
    public var posteriorB: Double
    /// p_i: the posterior mean.
    public var mean: Double
    public var sd: Double
    /// G_i: S/V, or the level's, the dataset's, or 1.
    public var gradNorm: Double
    /// Whether sd > σ_max: the prompt is pre-sampled (when N' > 0).
    public var uncertain: Bool
    /// Raw counts of the window: at least M_s samples, none wrong.
    public var solved: Bool
    /// Raw counts of the window: at least M_h samples, none correct.
    public var hopeless: Bool

    public init(
        correct: Double, wrong: Double, normSum: Double, normCount: Double, priorA: Double, priorB: Double,
        posteriorA: Double, posteriorB: Double, mean: Double, sd: Double, gradNorm: Double,
        uncertain: Bool, solved: Bool, hopeless: Bool
    ) {
        self.correct = correct
        self.wrong = wrong
        self.normSum = normSum
        self.normCount = normCount
        self.priorA = priorA
        self.priorB = priorB
        self.posteriorA = posteriorA
        self.posteriorB = posteriorB
        self.mean = mean
        self.sd = sd
        self.gradNorm = gradNorm
        self.uncertain = uncertain
        self.solved = solved
        self.hopeless = hopeless
    }
}
