/// GRPO's group-normalised advantages: A_i = (R_i − mean) / (std + 1e-6)
/// over the samples of one prompt, with the sample standard deviation
/// (dividing by n − 1, as verl, the paper's GRPO code base, does).
public enum GroupAdvantages {
    public static let epsilon = 1e-6

    /// Nil for a group that carries no signal: rewards all equal (which
    /// includes a group of one), so every advantage would be 0.
    public static func advantages(rewards: [Double]) -> [Double]? {
        guard let first = rewards.first, rewards.contains(where: { $0 != first }) else { return nil }
        let n = Double(rewards.count)
        let mean = rewards.reduce(0, +) / n
        let variance = rewards.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        let std = variance.squareRoot()
        return rewards.map { ($0 - mean) / (std + epsilon) }
    }
}
