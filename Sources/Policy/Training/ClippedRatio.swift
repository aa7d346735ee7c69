import Foundation

/// The clipped importance-ratio objective of RAFT++ and GRPO (PPO's), per
/// response token: −min(r·A, clip(r, 1−ε, 1+ε)·A) / N, where
/// r = exp(log p_new − log p_old), A is the sequence's advantage and N the
/// number of response tokens in the minibatch.
///
/// Its gradient is −(A·r/N)·∇log p_new where the unclipped term is the
/// smaller one, and 0 where the clipped term is: that is, when r has left
/// [1−ε, 1+ε] on the side the advantage pushes it (above for A > 0, below for
/// A < 0). `TransformerModel.backward(tokenWeights:)` takes the gradient of
/// −Σ w·log p, so the token's weight is w = A·r/N, or 0 when clipped.
public enum ClippedRatio {
    public struct Token: Equatable {
        /// The weight for `backward(tokenWeights:)`.
        public var weight: Float
        public var ratio: Double
        /// The clipping removed this token's gradient.
        public var clipped: Bool
        /// The token's share of the loss.
        public var loss: Double
    }

    public static func token(logProbNew: Double, logProbOld: Double, advantage: Double, clip: Double, tokensInMinibatch: Int) -> Token {
        let ratio = exp(logProbNew - logProbOld)
        let n = Double(tokensInMinibatch)
        let clippedRatio = min(max(ratio, 1 - clip), 1 + clip)
        let clipped = (advantage > 0 && ratio > 1 + clip) || (advantage < 0 && ratio < 1 - clip)
        return Token(
            weight: clipped ? 0 : Float(advantage * ratio / n), ratio: ratio, clipped: clipped,
            loss: -min(ratio * advantage, clippedRatio * advantage) / n)
    }
}
