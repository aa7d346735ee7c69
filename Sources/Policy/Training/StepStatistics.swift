/// The figures of one optimiser step.
public struct StepStatistics: Sendable, Equatable {
    /// The clipped-ratio loss of the minibatch (see `ClippedRatio`).
    public var loss: Double
    /// Mean importance ratio over the minibatch's response tokens.
    public var meanRatio: Double
    /// Share of response tokens whose gradient the clipping removed.
    public var clippedFraction: Double
    public var tokens: Int
    /// The global gradient norm before clipping.
    public var gradNorm: Double

    public init(loss: Double, meanRatio: Double, clippedFraction: Double, tokens: Int, gradNorm: Double) {
        self.loss = loss
        self.meanRatio = meanRatio
        self.clippedFraction = clippedFraction
        self.tokens = tokens
        self.gradNorm = gradNorm
    }
}
