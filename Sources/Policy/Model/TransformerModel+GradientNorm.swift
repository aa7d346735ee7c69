/// The parameters a per-sequence gradient norm is measured on.
public enum ParameterGroup: String, Codable, Sendable, CaseIterable {
    /// The token embedding matrix only, as the GVM paper's reference code does.
    case embedding
    /// The output head: its weight matrix and bias.
    case head
    /// Every parameter.
    case all
}

extension TransformerModel {
    /// The exact L2 norm of ∇ −Σ_t log p(response_t | prompt, response_<t)
    /// (a sum over the response tokens, end-of-text included when present),
    /// restricted to `group`: the G_i statistic of the GVM allocation rule
    /// for one accepted sample.
    ///
    /// Overwrites the gradient buffer (the group's part with this sequence's
    /// gradient, and for `.all` all of it) and the last forward pass; call it
    /// between training steps, not inside one. The prompt must be non-empty,
    /// the response non-empty, and prompt + response at most
    /// contextLength + 1 tokens (the last token is only ever a target).
    public func sequenceGradientNorm(prompt: [Int32], response: [Int32], group: ParameterGroup) -> Double {
        precondition(!prompt.isEmpty && !response.isEmpty, "prompt and response must be non-empty")
        precondition(prompt.count + response.count - 1 <= config.contextLength,
                     "prompt + response (\(prompt.count + response.count) tokens) exceed the context length + 1")
        let batch = TokenBatch(prompts: [prompt], responses: [response])
        forward(batch: batch)
        let weights = weightScratch
        weights.update(repeating: 0, count: batch.length)
        for t in batch.responseTargetRanges[0] { weights[t] = 1 }

        let ranges = gradientRanges(of: group)
        for range in ranges { (gradientMemory + range.lowerBound).update(repeating: 0, count: range.count) }
        switch group {
        case .embedding: backward(weights: weights, scope: .tokenEmbedding)
        case .head: backward(weights: weights, scope: .head)
        case .all: backward(weights: weights, scope: .all)
        }
        return ranges.reduce(0.0) { $0 + squaredNorm(gradientMemory + $1.lowerBound, $1.count) }.squareRoot()
    }

    /// Offsets in the parameter (and gradient) buffer that make up `group`.
    public func gradientRanges(of group: ParameterGroup) -> [Range<Int>] {
        func range(_ name: String) -> Range<Int> {
            let tensor = parameterTensors.first { $0.name == name }!
            return tensor.offset..<(tensor.offset + tensor.count)
        }
        switch group {
        case .embedding: return [range("wte")]
        case .head: return [range("headw"), range("headb")]
        case .all: return [0..<parameterCount]
        }
    }
}
