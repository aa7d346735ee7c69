import Testing
@testable import Policy

/// The whole training loop (forward, loss, zero, backward, clip, AdamW)
/// learns: a tiny model memorises a handful of answers and greedy sampling
/// gives them back.
@Suite struct ModelTrainingTests {
    static let examples: [(prompt: String, response: String)] = [
        ("3+4=", "7"), ("12+9=", "21"), ("5*6=", "30"), ("8-2=", "6"),
    ]

    @Test func tinyModelOverfitsAHandfulOfSequences() throws {
        let model = try TransformerModel(config: .tiny, seed: 11, maxBatch: 4)
        let prompts = try Self.examples.map { try Vocabulary.encode($0.prompt) }
        let responses = try Self.examples.map { try Vocabulary.encode($0.response) + [Vocabulary.endOfText] }
        let batch = TokenBatch(prompts: prompts, responses: responses)
        // Supervised weights: 1 / (response tokens in the batch) on each.
        let responseTokens = responses.reduce(0) { $0 + $1.count }
        var weights = [Float](repeating: 0, count: batch.batchSize * batch.length)
        for (b, range) in batch.responseTargetRanges.enumerated() {
            for t in range { weights[batch.index(sequence: b, position: t)] = 1 / Float(responseTokens) }
        }
        let optimizer = AdamW(for: model, learningRate: 1e-2, weightDecay: 0)
        var losses: [Double] = []
        for _ in 0..<100 {
            model.forward(batch: batch)
            losses.append(model.weightedLoss(tokenWeights: weights))
            model.zeroGradients()
            model.backward(tokenWeights: weights)
            model.clipGradients(maxNorm: 1)
            optimizer.step(model)
        }
        #expect(losses[0] > 3, "starts near log(97) ≈ 4.6 per token")
        #expect(losses.last! < 0.05, "final loss \(losses.last!)")

        let sampler = Sampler(model: model, maxSequences: 1)
        for (prompt, response) in zip(prompts, responses) {
            let sample = try sampler.sample(prompt: prompt, count: 1, maxNewTokens: 8, temperature: 0, seed: 0)[0]
            #expect(sample.tokens == response, "\(Vocabulary.decode(prompt)) → \(Vocabulary.decode(sample.tokens))")
            #expect(sample.stopReason == .endOfText)
        }
    }
}
