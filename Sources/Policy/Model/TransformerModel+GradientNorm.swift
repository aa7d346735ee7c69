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
        backwardSequence(prompt: prompt, response: response, group: group)
        return gradientRanges(of: group).reduce(0.0) { $0 + squaredNorm(gradientMemory + $1.lowerBound, $1.count) }.squareRoot()
    }

    /// Runs the forward pass on prompt + response and leaves in the gradient
    /// buffer ∇ −Σ_t log p(response_t | prompt, response_<t) over `group`
    /// (the gradient of the NEGATIVE log-likelihood, as a loss has it); the
    /// rest of the buffer keeps its values unless `group` is `.all`.
    /// Allocates nothing, so per-sample loops can call it. Same conditions on
    /// the sequence as `sequenceGradientNorm`.
    func backwardSequence(prompt: [Int32], response: [Int32], group: ParameterGroup) {
        precondition(!prompt.isEmpty && !response.isEmpty, "prompt and response must be non-empty")
        let T = prompt.count + response.count - 1
        precondition(T <= config.contextLength,
                     "prompt + response (\(prompt.count + response.count) tokens) exceed the context length + 1")
        let V = Int32(config.vocabSize)
        @inline(__always) func token(_ i: Int) -> Int32 { i < prompt.count ? prompt[i] : response[i - prompt.count] }
        // One sequence, no padding: row t reads token t and is scored on token t + 1.
        for t in 0..<T {
            let input = token(t), target = token(t + 1)
            precondition(input >= 0 && input < V && target >= 0 && target < V, "token outside the vocabulary")
            inputTokens[t] = input
            targetTokens[t] = target
        }
        forward(B: 1, T: T)
        // The first response token is predicted at the prompt's last position.
        weightScratch.update(repeating: 0, count: T)
        for t in (prompt.count - 1)..<T { weightScratch[t] = 1 }

        let C = config.width
        switch group {
        case .embedding:
            grads.wte.update(repeating: 0, count: config.vocabSize * C)
            backward(weights: weightScratch, scope: .tokenEmbedding)
        case .head:
            grads.headw.update(repeating: 0, count: config.vocabSize * C)
            grads.headb.update(repeating: 0, count: config.vocabSize)
            backward(weights: weightScratch, scope: .head)
        case .all:
            zeroGradients()
            backward(weights: weightScratch, scope: .all)
        }
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
