import Foundation

/// Adam with decoupled weight decay (Loshchilov & Hutter), with bias
/// correction. Weight decay applies to the matrices (embeddings, projections,
/// head) and not to biases or LayerNorm gains, as in nanoGPT/GPT-2 training.
/// Its two moment buffers are allocated once, for one model's parameters.
///
/// Not thread-safe, like the model it updates.
public final class AdamW: @unchecked Sendable {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    /// Steps taken so far (for the bias correction).
    public private(set) var stepCount = 0

    public let parameterCount: Int
    private let firstMoment: UnsafeMutablePointer<Float>
    private let secondMoment: UnsafeMutablePointer<Float>
    /// Parameter ranges that are weight-decayed.
    private let decayedRanges: [Range<Int>]
    private let plainRanges: [Range<Int>]

    public init(
        for model: TransformerModel, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.99,
        epsilon: Float = 1e-8, weightDecay: Float = 0.1
    ) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        parameterCount = model.parameterCount
        firstMoment = .allocate(capacity: parameterCount)
        firstMoment.initialize(repeating: 0, count: parameterCount)
        secondMoment = .allocate(capacity: parameterCount)
        secondMoment.initialize(repeating: 0, count: parameterCount)
        let ranges = model.parameterTensors.map { ($0.offset..<($0.offset + $0.count), $0.isMatrix) }
        decayedRanges = ranges.filter { $0.1 }.map(\.0)
        plainRanges = ranges.filter { !$0.1 }.map(\.0)
    }

    deinit {
        firstMoment.deallocate()
        secondMoment.deallocate()
    }

    /// One update of `model`'s parameters from its gradient buffer.
    public func step(_ model: TransformerModel) {
        precondition(model.parameterCount == parameterCount, "optimizer built for a different model")
        stepCount += 1
        let t = Float(stepCount)
        let correction1 = 1 - pow(beta1, t)
        let correction2 = 1 - pow(beta2, t)
        for range in decayedRanges { update(model, range, decay: weightDecay, correction1, correction2) }
        for range in plainRanges { update(model, range, decay: 0, correction1, correction2) }
    }

    private func update(_ model: TransformerModel, _ range: Range<Int>, decay: Float, _ correction1: Float, _ correction2: Float) {
        let p = model.parameterMemory + range.lowerBound
        let g = model.gradientMemory + range.lowerBound
        let m = firstMoment + range.lowerBound
        let v = secondMoment + range.lowerBound
        let lr = learningRate, b1 = beta1, b2 = beta2, eps = epsilon
        for i in 0..<range.count {
            let grad = g[i]
            let mi = b1 * m[i] + (1 - b1) * grad
            let vi = b2 * v[i] + (1 - b2) * grad * grad
            m[i] = mi
            v[i] = vi
            let mHat = mi / correction1
            let vHat = vi / correction2
            p[i] -= lr * (mHat / (vHat.squareRoot() + eps) + decay * p[i])
        }
    }

    /// Forgets the moments and the step count.
    public func reset() {
        stepCount = 0
        firstMoment.update(repeating: 0, count: parameterCount)
        secondMoment.update(repeating: 0, count: parameterCount)
    }
}
