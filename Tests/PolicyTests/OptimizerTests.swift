import Testing
@testable import Policy

@Suite struct OptimizerTests {
    /// After one step the bias-corrected moments are g and g², so each
    /// parameter moves by lr · (g/(|g| + ε) + decay · p), with decay on
    /// matrices only.
    @Test func firstStepMatchesTheAdamWFormula() throws {
        let model = try TransformerModel(config: .tiny, seed: 1, maxBatch: 1)
        let gradients = randomFloats(model.parameterCount, seed: 2)
        for i in 0..<model.parameterCount { model.gradientMemory[i] = gradients[i] }
        let before = model.parameterValues()
        let optimizer = AdamW(for: model, learningRate: 0.01, weightDecay: 0.1)
        optimizer.step(model)
        let after = model.parameterValues()
        #expect(optimizer.stepCount == 1)
        for tensor in model.parameterTensors {
            let decay: Float = tensor.isMatrix ? 0.1 : 0
            for i in stride(from: tensor.offset, to: tensor.offset + tensor.count, by: 5) {
                let g = gradients[i]
                let expected = before[i] - 0.01 * (g / (abs(g) + 1e-8) + decay * before[i])
                #expect(abs(after[i] - expected) <= 1e-6, "\(tensor.name)[\(i - tensor.offset)]")
            }
        }
    }

    @Test func weightDecayShrinksMatricesOnly() throws {
        let model = try TransformerModel(config: .tiny, seed: 3, maxBatch: 1)
        model.zeroGradients()
        let biases = randomFloats(model.parameterCount, seed: 4)
        var values = model.parameterValues()
        for tensor in model.parameterTensors where !tensor.isMatrix {
            for i in tensor.offset..<(tensor.offset + tensor.count) { values[i] = biases[i] }
        }
        model.loadParameters(values)
        AdamW(for: model, learningRate: 0.1, weightDecay: 0.5).step(model)
        let after = model.parameterValues()
        for tensor in model.parameterTensors {
            let factor: Float = tensor.isMatrix ? 0.95 : 1
            for i in tensor.offset..<(tensor.offset + tensor.count) {
                #expect(abs(after[i] - factor * values[i]) <= 1e-7, "\(tensor.name)")
            }
        }
        #expect(model.parameterTensors.filter(\.isMatrix).map(\.name) == ["wte", "wpe", "qkvw", "attprojw", "fcw", "fcprojw", "headw"])
    }

    @Test func resetForgetsTheMoments() throws {
        let model = try TransformerModel(config: .tiny, seed: 5, maxBatch: 1)
        let gradients = randomFloats(model.parameterCount, seed: 6)
        for i in 0..<model.parameterCount { model.gradientMemory[i] = gradients[i] }
        let start = model.parameterValues()
        let optimizer = AdamW(for: model, weightDecay: 0)
        optimizer.step(model)
        let afterOne = model.parameterValues()
        optimizer.step(model)
        optimizer.reset()
        model.loadParameters(start)
        optimizer.step(model)
        #expect(optimizer.stepCount == 1)
        #expect(model.parameterValues() == afterOne)
    }
}
