import Foundation
import Testing
@testable import Policy

/// The RL objective the coordinator's trainer steps with: clipped-ratio token
/// weights, GRPO advantages, and the policy gradient of a minibatch.
@Suite("RL objective")
struct PolicyObjectiveTests {
    static let config = TransformerConfig(contextLength: 40, width: 16, layers: 1, heads: 2)
    static let prompt = try! Vocabulary.encode("3+4=?\n")

    static func response(_ text: String) -> [Int32] {
        try! Vocabulary.encode(text) + [Vocabulary.endOfText]
    }

    static func model() throws -> TransformerModel {
        try TransformerModel(config: config, seed: 3, maxBatch: 4)
    }

    /// log p(response_t | prompt, response_<t) under `model`.
    static func logProbs(_ model: TransformerModel, prompt: [Int32], response: [Int32]) -> [Double] {
        let batch = TokenBatch(prompts: [prompt], responses: [response])
        let logProbs = model.forward(batch: batch)
        return batch.responseTargetRanges[0].map { Double(logProbs[batch.index(sequence: 0, position: $0)]) }
    }

    @Test("token weights are A·r/N, and 0 where r left [1-ε, 1+ε] on the advantage's side")
    func clippedRatioWeights() {
        let n = 10
        func token(_ logRatio: Double, _ advantage: Double) -> ClippedRatio.Token {
            ClippedRatio.token(logProbNew: -2 + logRatio, logProbOld: -2, advantage: advantage, clip: 0.2, tokensInMinibatch: n)
        }
        let even = token(0, 1)
        #expect(even.ratio == 1 && !even.clipped && even.weight == 0.1 && abs(even.loss + 0.1) < 1e-15)
        // A > 0 pushes r up: above 1.2 the gradient is gone, below 0.8 it stays.
        let high = token(0.5, 1)
        #expect(high.clipped && high.weight == 0 && abs(high.loss + 1.2 / 10) < 1e-12)
        let low = token(-0.5, 1)
        #expect(!low.clipped && abs(Double(low.weight) - exp(-0.5) / 10) < 1e-7 && abs(low.loss + exp(-0.5) / 10) < 1e-12)
        // A < 0 pushes r down: below 0.8 the gradient is gone, above 1.2 it stays.
        let negativeLow = token(-0.5, -2)
        #expect(negativeLow.clipped && negativeLow.weight == 0 && abs(negativeLow.loss - 2 * 0.8 / 10) < 1e-12)
        let negativeHigh = token(0.5, -2)
        #expect(!negativeHigh.clipped && abs(Double(negativeHigh.weight) + 2 * exp(0.5) / 10) < 1e-6)
        // Inside the range nothing is clipped, whatever the sign.
        #expect(!token(0.1, -1).clipped && !token(-0.1, 1).clipped)
        #expect(token(0.3, 0).weight == 0 && !token(0.3, 0).clipped)
    }

    @Test("GRPO advantages are (R - mean)/(std + 1e-6) per group; equal rewards give none")
    func grpoAdvantages() throws {
        let mixed = try #require(GroupAdvantages.advantages(rewards: [1, 0, 0, 1]))
        let expected = 0.5 / ((1.0 / 3).squareRoot() + 1e-6)
        #expect(mixed.count == 4)
        for (value, sign) in zip(mixed, [1.0, -1, -1, 1]) { #expect(abs(value - sign * expected) < 1e-12) }
        let skewed = try #require(GroupAdvantages.advantages(rewards: [1, 0, 0, 0]))
        #expect(abs(skewed[0] - 0.75 / (0.5 + 1e-6)) < 1e-12 && abs(skewed[1] + 0.25 / (0.5 + 1e-6)) < 1e-12)
        #expect(GroupAdvantages.advantages(rewards: [1, 1, 1]) == nil)
        #expect(GroupAdvantages.advantages(rewards: [0, 0]) == nil)
        #expect(GroupAdvantages.advantages(rewards: [1]) == nil)
    }

    /// A sequence whose old log-probabilities are the model's own, shifted by `shift`.
    static func sequence(_ model: TransformerModel, _ text: String, shift: Double, advantage: Double = 1) -> TrainingSequence {
        let response = Self.response(text)
        let own = Self.logProbs(model, prompt: prompt, response: response)
        return TrainingSequence(prompt: prompt, response: response, oldLogProbs: own.map { $0 - shift }, advantage: advantage)
    }

    @Test("a trace whose ratio is out of range on the advantage's side adds nothing to the gradient")
    func clippedTraceContributesNothing() throws {
        let model = try Self.model()
        let good = Self.sequence(model, "\\boxed{7}", shift: 0)
        // r = e > 1.2 with A = 1 on every token: all clipped.
        let outOfRange = Self.sequence(model, "\\boxed{8}", shift: 1)
        // r = e^0.1 ≈ 1.105: inside the range, so it counts.
        let inRange = Self.sequence(model, "\\boxed{8}", shift: 0.1)

        let alone = PolicyGradient.accumulate(model: model, minibatch: [good], clip: 0.2)
        let gradientAlone = model.gradientValues()
        #expect(alone.tokens == 10 && abs(alone.meanRatio - 1) < 1e-5 && alone.clippedFraction == 0)

        let withClipped = PolicyGradient.accumulate(model: model, minibatch: [good, outOfRange], clip: 0.2)
        let gradientWithClipped = model.gradientValues()
        #expect(withClipped.tokens == 20 && withClipped.clippedFraction == 0.5)
        #expect(abs(withClipped.meanRatio - (1 + exp(1)) / 2) < 1e-4)

        _ = PolicyGradient.accumulate(model: model, minibatch: [good, inRange], clip: 0.2)
        let gradientWithInRange = model.gradientValues()

        // Same tokens over twice the N: exactly half of the good trace's gradient.
        func distance(_ a: [Float], _ b: [Float]) -> Double {
            zip(a, b).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }.squareRoot()
        }
        let half = gradientAlone.map { $0 / 2 }
        let scale = distance(half, Array(repeating: 0, count: half.count))
        #expect(scale > 0)
        #expect(distance(gradientWithClipped, half) < 1e-4 * scale)
        #expect(distance(gradientWithInRange, half) > 1e-2 * scale, "an unclipped trace must change the gradient")
    }
}
