/// One sequence the trainer learns from: a prompt, a sampled response, the
/// sampler's log-probabilities of the response tokens (the behaviour policy
/// of the importance ratio), and the sequence's advantage.
///
/// The coordinator's `TrainingSet` builds these from an iteration's traces;
/// `PolicyGradient` takes them.
public struct TrainingSequence: Sendable, Equatable {
    public var prompt: [Int32]
    public var response: [Int32]
    public var oldLogProbs: [Double]
    public var advantage: Double

    public init(prompt: [Int32], response: [Int32], oldLogProbs: [Double], advantage: Double) {
        self.prompt = prompt
        self.response = response
        self.oldLogProbs = oldLogProbs
        self.advantage = advantage
    }
}
