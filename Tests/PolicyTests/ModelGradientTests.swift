import Shared
import Testing
@testable import Policy

/// The whole model's backward pass against finite differences of its
/// forward pass, and the bookkeeping around the gradient buffer.
@Suite struct ModelGradientTests {
    /// Two sequences of 7 positions (shorter than the context of 16, so the
    /// activations use the batch's own layout), with weights of both signs
    /// and zeros as RL advantages would give.
    static func batchAndWeights() -> (TokenBatch, [Float]) {
        let batch = TokenBatch(sequences: [
            [5, 17, 40, 3, 3, 88, 12, 0],
            [9, 9, 61, 2, 0],
        ])
        var weights = randomFloats(batch.batchSize * batch.length, seed: 77)
        for t in 4..<batch.length { weights[batch.index(sequence: 1, position: t)] = 0 }  // padding
        weights[1] = 0
        return (batch, weights)
    }

    @Test func wholeModelGradientsMatchFiniteDifferences() throws {
        let model = try TransformerModel(config: .tiny, seed: 1, maxBatch: 4)
        // Away from the initialisation every tensor has gradients of order
        // 0.1 to 1 (at init the LayerNorm gains' are ~0.01), so a 1% error
        // stands out of float32 noise.
        let noise = randomFloats(model.parameterCount, seed: 99, scale: 0.1)
        model.loadParameters(zip(model.parameterValues(), noise).map { $0 + $1 })
        let (batch, weights) = Self.batchAndWeights()
        func loss() -> Double {
            model.forward(batch: batch)
            return model.weightedLoss(tokenWeights: weights)
        }
        _ = loss()
        model.zeroGradients()
        model.backward(tokenWeights: weights)
        let analytic = model.gradientValues()

        // Measured margins at these settings: every coordinate within a tenth
        // of the tolerance.
        let check = GradientCheck(epsilon: 3e-3, relativeTolerance: 1e-2, absoluteTolerance: 5e-4)
        for tensor in model.parameterTensors {
            let indices = Array(tensor.offset..<(tensor.offset + tensor.count))
            // The tensor's whole gradient along a random direction...
            let directional = check.directionalMismatch(
                of: model.parameterMemory, analytic: analytic, indices: indices, seed: UInt64(tensor.offset), loss: loss)
            #expect(directional == nil, "\(tensor.name): \(directional.map(String.init(describing:)) ?? "")")
            // ... its three largest coordinates and three random ones.
            let largest = indices.sorted { abs(analytic[$0]) > abs(analytic[$1]) }.prefix(3)
            var generator = SplitMix64(seed: UInt64(tensor.count))
            let sampled = (0..<3).map { _ in indices[Int(generator.next() % UInt64(indices.count))] }
            let mismatches = check.mismatches(
                of: model.parameterMemory, analytic: analytic, indices: Array(largest) + sampled, loss: loss)
            #expect(mismatches.isEmpty, "\(tensor.name): \(mismatches)")
            // The check compares gradients far above its absolute floor.
            #expect(abs(analytic[largest.first!]) > 0.1, "\(tensor.name)")
        }
    }

    @Test func restrictedBackwardScopesMatchTheFullGradient() throws {
        let model = try TransformerModel(config: .tiny, seed: 2, maxBatch: 4)
        let (batch, weights) = Self.batchAndWeights()
        model.forward(batch: batch)
        model.zeroGradients()
        model.backward(tokenWeights: weights)
        let full = model.gradientValues()
        for (scope, group) in [(TransformerModel.BackwardScope.head, ParameterGroup.head), (.tokenEmbedding, .embedding)] {
            model.zeroGradients()
            weights.withUnsafeBufferPointer { model.backward(weights: $0.baseAddress!, scope: scope) }
            let restricted = model.gradientValues()
            let inGroup = Set(model.gradientRanges(of: group).flatMap { $0 })
            for i in 0..<model.parameterCount {
                if inGroup.contains(i) {
                    #expect(restricted[i] == full[i])
                } else {
                    #expect(restricted[i] == 0)
                }
            }
        }
    }

    @Test func gradientsAccumulateUntilZeroed() throws {
        let model = try TransformerModel(config: .tiny, seed: 3, maxBatch: 4)
        let (batch, weights) = Self.batchAndWeights()
        model.forward(batch: batch)
        model.zeroGradients()
        model.backward(tokenWeights: weights)
        let once = model.gradientValues()
        model.backward(tokenWeights: weights)
        let twice = model.gradientValues()
        for i in stride(from: 0, to: once.count, by: 7) { #expect(abs(twice[i] - 2 * once[i]) <= 1e-5 * abs(once[i]) + 1e-7) }
        model.zeroGradients()
        #expect(model.gradientNorm() == 0)
    }

    @Test func clippingScalesTheGradientToTheMaximumNorm() throws {
        let model = try TransformerModel(config: .tiny, seed: 4, maxBatch: 4)
        let (batch, weights) = Self.batchAndWeights()
        model.forward(batch: batch)
        model.zeroGradients()
        model.backward(tokenWeights: weights)
        let before = model.gradientValues()
        let norm = model.gradientNorm()
        let expected = before.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        #expect(abs(norm - expected) <= 1e-6 * expected)
        #expect(model.clipGradients(maxNorm: 10 * norm) == norm)
        #expect(model.gradientValues() == before)
        #expect(abs(model.clipGradients(maxNorm: norm / 4) - norm) <= 1e-9 * norm)
        #expect(abs(model.gradientNorm() - norm / 4) <= 1e-5 * norm)
    }

    /// A sequence scores the same alone, padded in a batch with others, or
    /// at a different row: causality and the per-batch layout hold.
    @Test func logProbabilitiesDoNotDependOnTheRestOfTheBatch() throws {
        let model = try TransformerModel(config: .tiny, seed: 5, maxBatch: 4)
        let sequence: [Int32] = [7, 30, 31, 32, 0]
        let alone = Array(model.forward(batch: TokenBatch(sequences: [sequence])))
        let batch = TokenBatch(sequences: [[3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], sequence])
        let together = model.forward(batch: batch)
        for t in 0..<(sequence.count - 1) {
            #expect(abs(together[batch.index(sequence: 1, position: t)] - alone[t]) < 1e-5)
        }
        #expect(alone.allSatisfy { $0 < 0 && $0.isFinite })
    }
}
