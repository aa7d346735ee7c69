import Shared

/// `BuiltinTraining.trainingFraction`: the trainer keeps a random share of
/// each prompt's samples and never sees the rest, as if they had not been
/// drawn. The samples were paid for all the same, which is the point of the
/// control it serves (uniform at 2n training on half must cost about 2× the
/// samples of uniform at n to reach the same accuracy).
///
/// A prompt with c samples keeps max(1, round(fraction · c)) of them, chosen
/// by a generator seeded with (run seed, iteration, prompt), so a train stage
/// run again keeps the same ones. The kept traces stay in their given order.
enum TraceSubsample {
    static func keep(_ traces: [TrainingTrace], fraction: Double, runSeed: Int, iteration: Int) -> [TrainingTrace] {
        guard fraction < 1 else { return traces }
        var positions: [Int: [Int]] = [:]
        for (position, trace) in traces.enumerated() { positions[trace.promptId, default: []].append(position) }
        var kept = Set<Int>()
        for (promptId, promptPositions) in positions {
            let count = max(1, Int((fraction * Double(promptPositions.count)).rounded()))
            var generator = generator(runSeed: runSeed, iteration: iteration, promptId: promptId)
            // A partial Fisher-Yates shuffle: the first `count` places are a uniform random subset.
            var shuffled = promptPositions
            for index in 0..<count {
                let other = index + Int(generator.next() % UInt64(shuffled.count - index))
                shuffled.swapAt(index, other)
            }
            kept.formUnion(shuffled[..<count])
        }
        return traces.indices.filter(kept.contains).map { traces[$0] }
    }

    private static func generator(runSeed: Int, iteration: Int, promptId: Int) -> SplitMix64 {
        var mix = SplitMix64(seed: UInt64(bitPattern: Int64(runSeed)) ^ 0x5AB5_A3B1_E0F_7EA1)
        var step = SplitMix64(seed: mix.next() ^ (UInt64(iteration) &* 0xD1B5_4A32_D192_ED03))
        return SplitMix64(seed: step.next() ^ (UInt64(bitPattern: Int64(promptId)) &* 0x9E37_79B9_7F4A_7C15))
    }
}
