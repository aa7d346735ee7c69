import Testing
@testable import Policy

/// sequenceGradientNorm, the G_i of the allocation rule, for each group.
@Suite struct GradientNormTests {
    static let prompt: [Int32] = [20, 21, 11, 22, 31]
    static let response: [Int32] = [23, 24, 1, 0]  // ends with end-of-text

    static func model(seed: UInt64) throws -> TransformerModel {
        let model = try TransformerModel(config: .tiny, seed: seed, maxBatch: 2)
        let noise = randomFloats(model.parameterCount, seed: seed &+ 1000, scale: 0.05)
        model.loadParameters(zip(model.parameterValues(), noise).map { $0 + $1 })
        return model
    }

    /// The full gradient of −Σ log p(response tokens), from the public API.
    static func fullGradient(_ model: TransformerModel) -> [Float] {
        let batch = TokenBatch(sequences: [prompt + response])
        var weights = [Float](repeating: 0, count: batch.length)
        for t in (prompt.count - 1)..<(prompt.count - 1 + response.count) { weights[t] = 1 }
        model.forward(batch: batch)
        model.zeroGradients()
        model.backward(tokenWeights: weights)
        return model.gradientValues()
    }

    static func norm(_ values: [Float], _ ranges: [Range<Int>]) -> Double {
        ranges.flatMap { $0 }.reduce(0.0) { $0 + Double(values[$1]) * Double(values[$1]) }.squareRoot()
    }

    @Test func eachGroupEqualsItsSliceOfTheFullGradient() throws {
        let model = try Self.model(seed: 1)
        let full = Self.fullGradient(model)
        let fullNorm = model.gradientNorm()
        var norms: [ParameterGroup: Double] = [:]
        for group in ParameterGroup.allCases {
            let expected = Self.norm(full, model.gradientRanges(of: group))
            let norm = model.sequenceGradientNorm(prompt: Self.prompt, response: Self.response, group: group)
            #expect(abs(norm - expected) <= 1e-5 * expected, "\(group)")
            norms[group] = norm
        }
        #expect(abs(norms[.all]! - fullNorm) <= 1e-5 * fullNorm)
        #expect(norms[.embedding]! > 0 && norms[.embedding]! < norms[.all]!)
        #expect(norms[.head]! > 0 && norms[.head]! < norms[.all]!)
    }

    /// The head's gradient written out by hand from the forward pass's
    /// softmax and final LayerNorm output: Σ_t (p_t − onehot_t) ⊗ h_t.
    @Test func headNormMatchesAHandComputedGradient() throws {
        let model = try Self.model(seed: 2)
        let norm = model.sequenceGradientNorm(prompt: Self.prompt, response: Self.response, group: .head)
        let C = model.config.width, V = model.config.vocabSize
        var weightGradient = [Double](repeating: 0, count: V * C)
        var biasGradient = [Double](repeating: 0, count: V)
        for t in (Self.prompt.count - 1)..<(Self.prompt.count - 1 + Self.response.count) {
            let target = Int(model.targetTokens[t])
            for v in 0..<V {
                let d = Double(model.acts.probs[t * V + v]) - (v == target ? 1 : 0)
                biasGradient[v] += d
                for c in 0..<C { weightGradient[v * C + c] += d * Double(model.acts.lnf[t * C + c]) }
            }
        }
        let expected = (weightGradient + biasGradient).reduce(0.0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(norm - expected) <= 1e-5 * expected)
    }

    /// The token-embedding gradient the norm is taken of, against central
    /// differences of the response's log-likelihood.
    @Test func embeddingGradientMatchesFiniteDifferences() throws {
        let model = try Self.model(seed: 3)
        let norm = model.sequenceGradientNorm(prompt: Self.prompt, response: Self.response, group: .embedding)
        let range = model.gradientRanges(of: .embedding)[0]
        let gradient = model.gradientValues()
        #expect(abs(Self.norm(gradient, [range]) - norm) <= 1e-6 * norm)

        let batch = TokenBatch(prompts: [Self.prompt], responses: [Self.response])
        func negativeLogLikelihood() -> Double {
            let logProbs = model.forward(batch: batch)
            return -batch.responseTargetRanges[0].reduce(0.0) { $0 + Double(logProbs[$1]) }
        }
        let check = GradientCheck(epsilon: 3e-3, relativeTolerance: 1e-2, absoluteTolerance: 5e-4)
        let largest = range.sorted { abs(gradient[$0]) > abs(gradient[$1]) }.prefix(6)
        #expect(check.mismatches(of: model.parameterMemory, analytic: gradient, indices: largest, loss: negativeLogLikelihood).isEmpty)
        #expect(check.directionalMismatch(
            of: model.parameterMemory, analytic: gradient, indices: Array(range), seed: 4, loss: negativeLogLikelihood) == nil)
        // Rows of tokens that appear nowhere in the sequence get no gradient.
        let C = model.config.width
        let unused = 50
        #expect(!(Self.prompt + Self.response).contains(Int32(unused)))
        #expect((0..<C).allSatisfy { gradient[range.lowerBound + unused * C + $0] == 0 })
    }

    @Test func onlyResponseTokensCount() throws {
        let model = try Self.model(seed: 5)
        let withEnd = model.sequenceGradientNorm(prompt: Self.prompt, response: Self.response, group: .all)
        let withoutEnd = model.sequenceGradientNorm(prompt: Self.prompt, response: Array(Self.response.dropLast()), group: .all)
        let longerPrompt = model.sequenceGradientNorm(
            prompt: Self.prompt + Self.response.dropLast(), response: [Self.response.last!], group: .all)
        #expect(withEnd != withoutEnd)
        #expect(longerPrompt != withEnd)
        // Moving tokens from the response into the prompt changes nothing
        // for the one token that is still scored the same way.
        let lastAlone = Self.fullGradientOfLastToken(model)
        #expect(abs(longerPrompt - lastAlone) <= 1e-5 * lastAlone)
    }

    static func fullGradientOfLastToken(_ model: TransformerModel) -> Double {
        let batch = TokenBatch(sequences: [prompt + response])
        var weights = [Float](repeating: 0, count: batch.length)
        weights[batch.length - 1] = 1
        model.forward(batch: batch)
        model.zeroGradients()
        model.backward(tokenWeights: weights)
        return model.gradientNorm()
    }
}
