import Foundation
import Testing
@testable import Policy

@Suite struct SamplerTests {
    static func model(seed: UInt64 = 1) throws -> TransformerModel {
        let model = try TransformerModel(config: .tiny, seed: seed, maxBatch: 8)
        // Larger weights than the initialisation, so that the distribution
        // is far from uniform and depends on the context.
        let noise = randomFloats(model.parameterCount, seed: seed &+ 500, scale: 0.2)
        model.loadParameters(zip(model.parameterValues(), noise).map { $0 + $1 })
        return model
    }

    static let prompt: [Int32] = [19, 14, 11, 20, 31]

    @Test func sameSeedGivesSameSequences() throws {
        let sampler = Sampler(model: try Self.model(), maxSequences: 4)
        let a = try sampler.sample(prompt: Self.prompt, count: 4, maxNewTokens: 10, temperature: 1, topP: 0.95, seed: 42)
        let b = try sampler.sample(prompt: Self.prompt, count: 4, maxNewTokens: 10, temperature: 1, topP: 0.95, seed: 42)
        let c = try sampler.sample(prompt: Self.prompt, count: 4, maxNewTokens: 10, temperature: 1, topP: 0.95, seed: 43)
        #expect(a == b)
        #expect(a.map(\.tokens) != c.map(\.tokens))
        #expect(Set(a.map(\.tokens)).count > 1, "the sequences of one call differ from each other")
    }

    /// The cached, batched sampling pass against a plain forward pass over
    /// each whole sequence: the returned log-probabilities are the raw
    /// distribution's, whatever the temperature and top-p.
    @Test(arguments: [(Float(1), Float(1)), (0.7, 0.9), (1.5, 1), (0, 1)])
    func logProbabilitiesMatchAFullForwardPass(temperature: Float, topP: Float) throws {
        let model = try Self.model(seed: 2)
        let sampler = Sampler(model: model, maxSequences: 8)
        let samples = try sampler.sample(
            prompt: Self.prompt, count: 6, maxNewTokens: 9, temperature: temperature, topP: topP, seed: 7)
        for sample in samples {
            #expect(sample.tokens.count == sample.logProbabilities.count)
            let batch = TokenBatch(prompts: [Self.prompt], responses: [sample.tokens])
            let logProbs = model.forward(batch: batch)
            for (i, t) in batch.responseTargetRanges[0].enumerated() {
                #expect(abs(logProbs[t] - sample.logProbabilities[i]) < 1e-4, "token \(i) of \(sample.tokens)")
            }
        }
    }

    @Test func stopsAtEndOfTextAndKeepsIt() throws {
        let model = try Self.model()
        model.params.headb[Int(Vocabulary.endOfText)] = 40
        let samples = try Sampler(model: model, maxSequences: 3)
            .sample(prompt: Self.prompt, count: 3, maxNewTokens: 10, seed: 1)
        for sample in samples {
            #expect(sample.tokens == [Vocabulary.endOfText])
            #expect(sample.stopReason == .endOfText)
            #expect(sample.logProbabilities[0] > -1e-4)
        }
    }

    @Test func stopsAtMaxNewTokens() throws {
        let model = try Self.model()
        model.params.headb[Int(Vocabulary.endOfText)] = -40
        let samples = try Sampler(model: model, maxSequences: 3)
            .sample(prompt: Self.prompt, count: 3, maxNewTokens: 6, seed: 1)
        for sample in samples {
            #expect(sample.tokens.count == 6)
            #expect(sample.stopReason == .maxNewTokens)
            #expect(!sample.tokens.contains(Vocabulary.endOfText))
        }
    }

    /// A prompt of contextLength − 2 leaves room for 3 more tokens: the
    /// last is scored from the last position and never fed back.
    @Test func stopsWhenTheContextIsFull() throws {
        let model = try Self.model(seed: 3)
        model.params.headb[Int(Vocabulary.endOfText)] = -40
        let T = model.config.contextLength
        let prompt = (0..<(T - 2)).map { Int32(2 + $0 % 90) }
        let samples = try Sampler(model: model, maxSequences: 2)
            .sample(prompt: prompt, count: 2, maxNewTokens: 50, seed: 5)
        for sample in samples {
            #expect(sample.tokens.count == 3)
            #expect(sample.stopReason == .contextFull)
            let batch = TokenBatch(prompts: [prompt], responses: [sample.tokens])
            #expect(batch.length == T)
            let logProbs = model.forward(batch: batch)
            for (i, t) in batch.responseTargetRanges[0].enumerated() {
                #expect(abs(logProbs[t] - sample.logProbabilities[i]) < 1e-4)
            }
        }
        let full = try Sampler(model: model, maxSequences: 1).sample(prompt: prompt + [5, 6], count: 1, maxNewTokens: 5, seed: 1)
        #expect(full[0].tokens.count == 1 && full[0].stopReason == .contextFull)
    }

    @Test func greedyAndNarrowTopPTakeTheMostLikelyToken() throws {
        let sampler = Sampler(model: try Self.model(seed: 4), maxSequences: 3)
        let greedy = try sampler.sample(prompt: Self.prompt, count: 3, maxNewTokens: 8, temperature: 0, seed: 1)
        let narrow = try sampler.sample(prompt: Self.prompt, count: 3, maxNewTokens: 8, temperature: 1, topP: 1e-6, seed: 2)
        let cold = try sampler.sample(prompt: Self.prompt, count: 3, maxNewTokens: 8, temperature: 1e-30, seed: 3)
        #expect(Set(greedy.map(\.tokens)).count == 1)
        #expect(narrow == greedy)
        #expect(cold == greedy)
    }

    /// Draw frequencies follow softmax(logits / temperature) restricted to
    /// the top-p set: two tokens with probabilities 3/4 and 1/4.
    @Test func drawsFollowTemperatureAndTopP() throws {
        let model = try Self.model()
        model.params.headw.update(repeating: 0, count: model.config.vocabSize * model.config.width)
        model.params.headb.update(repeating: -30, count: model.config.vocabSize)
        model.params.headb[5] = 10 + logf(3)
        model.params.headb[6] = 10
        let sampler = Sampler(model: model, maxSequences: 8)
        func fractionOfFive(temperature: Float, topP: Float) throws -> Double {
            var fives = 0
            for seed in 0..<50 {
                let samples = try sampler.sample(
                    prompt: Self.prompt, count: 8, maxNewTokens: 1, temperature: temperature, topP: topP, seed: UInt64(seed))
                fives += samples.filter { $0.tokens == [5] }.count
                #expect(samples.allSatisfy { $0.tokens == [5] || $0.tokens == [6] })
            }
            return Double(fives) / 400
        }
        #expect(abs(try fractionOfFive(temperature: 1, topP: 1) - 0.75) < 0.07)
        #expect(abs(try fractionOfFive(temperature: 0.5, topP: 1) - 0.9) < 0.05)  // 9 : 1
        #expect(try fractionOfFive(temperature: 1, topP: 0.7) == 1)
    }

    @Test func refusesRequestsItCannotServe() throws {
        let sampler = Sampler(model: try Self.model(), maxSequences: 2)
        let T = sampler.model.config.contextLength
        #expect(throws: SamplerError.self) { try sampler.sample(prompt: [], count: 1, maxNewTokens: 1, seed: 0) }
        #expect(throws: SamplerError.self) {
            try sampler.sample(prompt: [Int32](repeating: 3, count: T + 1), count: 1, maxNewTokens: 1, seed: 0)
        }
        #expect(throws: SamplerError.self) { try sampler.sample(prompt: [200], count: 1, maxNewTokens: 1, seed: 0) }
        #expect(throws: SamplerError.self) { try sampler.sample(prompt: [3], count: 3, maxNewTokens: 1, seed: 0) }
        #expect(throws: SamplerError.self) { try sampler.sample(prompt: [3], count: 1, maxNewTokens: 0, seed: 0) }
        #expect(throws: SamplerError.self) { try sampler.sample(prompt: [3], count: 1, maxNewTokens: 1, temperature: -1, seed: 0) }
        #expect(throws: SamplerError.self) { try sampler.sample(prompt: [3], count: 1, maxNewTokens: 1, topP: 0, seed: 0) }
        do {
            _ = try sampler.sample(prompt: [3], count: 5, maxNewTokens: 1, seed: 0)
        } catch {
            #expect(error.description == "sampling: count must be in 1...2, got 5")
        }
    }
}
