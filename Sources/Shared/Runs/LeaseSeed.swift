/// Deterministic seeds and batches, so that re-issued work asks the engine for
/// the same thing and two runs with one seed see the same prompts.
public enum RunDeterminism {
    /// The engine seed of a lease, from (run seed, iteration, stage, prompt,
    /// first sample index). Kept below 2^31, which every engine accepts.
    public static func leaseSeed(runSeed: Int, iteration: Int, stage: SamplingStage, promptId: Int, firstSampleIndex: Int) -> Int {
        var mix = SplitMix64(seed: UInt64(bitPattern: Int64(runSeed)))
        var value = mix.next()
        for part in [UInt64(iteration), stage == .presample ? 1 : 2, UInt64(promptId), UInt64(firstSampleIndex)] {
            var step = SplitMix64(seed: value ^ part &* 0xD1B5_4A32_D192_ED03)
            value = step.next()
        }
        return Int(value & 0x7FFF_FFFF)
    }

    /// The dataset positions, shuffled once by the run's seed, the way the
    /// run's `orderVersion` says (a run made now: `.current`).
    public static func promptOrder(count: Int, runSeed: Int, orderVersion: OrderVersion = .current) -> [Int] {
        var order = Array(0..<count)
        var generator = SplitMix64(seed: UInt64(bitPattern: Int64(runSeed)) ^ 0x5EED_0F_0DE5)
        orderVersion.shuffle(&order, using: &generator)
        return order
    }

    /// Iteration t takes the next `perIteration` prompts of the shuffled
    /// order, wrapping around at the end.
    public static func batch(iteration: Int, perIteration: Int, order: [Int]) -> [Int] {
        guard !order.isEmpty else { return [] }
        let start = iteration * perIteration
        return (0..<perIteration).map { order[(start + $0) % order.count] }
    }
}
