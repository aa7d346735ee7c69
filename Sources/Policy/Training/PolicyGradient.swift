/// The gradient of the clipped-ratio objective on one minibatch.
public enum PolicyGradient {
    /// Zeroes `model`'s gradients and leaves in them the gradient of the
    /// minibatch's loss, −Σ_tokens min(r·A, clip(r)·A) / N with N the
    /// minibatch's response tokens. The minibatch is fed in slices of at most
    /// `model.maxBatch` sequences; gradients add up across slices, and every
    /// token is divided by the whole minibatch's N, so the slicing does not
    /// change the result. `gradNorm` is left 0 for the caller to fill.
    public static func accumulate(model: TransformerModel, minibatch: [TrainingSequence], clip: Double) -> StepStatistics {
        model.zeroGradients()
        let tokens = minibatch.reduce(0) { $0 + $1.response.count }
        var statistics = StepStatistics(loss: 0, meanRatio: 0, clippedFraction: 0, tokens: tokens, gradNorm: 0)
        guard tokens > 0 else { return statistics }
        var clipped = 0
        var ratioSum = 0.0
        var start = 0
        while start < minibatch.count {
            let slice = minibatch[start..<min(start + model.maxBatch, minibatch.count)]
            start += slice.count
            let batch = TokenBatch(prompts: slice.map(\.prompt), responses: slice.map(\.response))
            let logProbs = model.forward(batch: batch)
            var weights = [Float](repeating: 0, count: batch.batchSize * batch.length)
            for (b, sequence) in slice.enumerated() {
                for (k, t) in batch.responseTargetRanges[b].enumerated() {
                    let index = batch.index(sequence: b, position: t)
                    let token = ClippedRatio.token(
                        logProbNew: Double(logProbs[index]), logProbOld: sequence.oldLogProbs[k],
                        advantage: sequence.advantage, clip: clip, tokensInMinibatch: tokens)
                    weights[index] = token.weight
                    statistics.loss += token.loss
                    ratioSum += token.ratio
                    if token.clipped { clipped += 1 }
                }
            }
            model.backward(tokenWeights: weights)
        }
        statistics.meanRatio = ratioSum / Double(tokens)
        statistics.clippedFraction = Double(clipped) / Double(tokens)
        return statistics
    }
}
