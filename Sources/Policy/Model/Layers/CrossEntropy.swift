import Foundation

// Softmax over the vocabulary and the log-probability of each target token:
// the model's last layer. The trainer's loss is L = −Σ w · log p(target), with
// per-token weights w chosen by the caller.

/// probs (N, V) = softmax(logits (N, V)); targetLogProbs (N) = log probs[n, targets[n]].
/// probs may be the logits buffer itself (each row is read before it is written).
func crossEntropyForward(
    probs: UnsafeMutablePointer<Float>, targetLogProbs: UnsafeMutablePointer<Float>,
    logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>, N: Int, V: Int
) {
    for n in 0..<N {
        let l = logits + n * V
        let p = probs + n * V
        let maxValue = vectorMax(l, V)
        let targetLogit = l[Int(targets[n])]
        for i in 0..<V { p[i] = fastExp(l[i] - maxValue) }
        let sum = vectorSum(p, V)
        let inverseSum = 1 / sum
        for i in 0..<V { p[i] *= inverseSum }
        targetLogProbs[n] = targetLogit - maxValue - logf(sum)
    }
}

/// dlogits (N, V) = weights[n] · (probs − onehot(targets[n])), overwritten:
/// the gradient of −Σ_n weights[n] · log p(targets[n]).
func crossEntropyBackward(
    dlogits: UnsafeMutablePointer<Float>, probs: UnsafePointer<Float>,
    targets: UnsafePointer<Int32>, weights: UnsafePointer<Float>, N: Int, V: Int
) {
    for n in 0..<N {
        let d = dlogits + n * V
        let p = probs + n * V
        let w = weights[n]
        for i in 0..<V { d[i] = w * p[i] }
        d[Int(targets[n])] -= w
    }
}
