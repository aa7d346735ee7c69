/// gvm's own shuffle: Fisher-Yates on SplitMix64, with its own uniform draw.
/// The standard library's `shuffle(using:)` and `random(in:using:)` may
/// change how they consume a generator between Swift versions; this does not,
/// so the same seed gives the same order with every toolchain.
public enum SeededShuffle {
    /// Uniform in `0..<bound` by rejection, so that no value is favoured.
    public static func below(_ bound: Int, using generator: inout SplitMix64) -> Int {
        precondition(bound > 0, "bound must be positive")
        let bound = UInt64(bound)
        // 2^64 mod bound: draws under it would make the low values likelier.
        let threshold = (0 &- bound) % bound
        while true {
            let draw = generator.next()
            if draw >= threshold { return Int(draw % bound) }
        }
    }

    /// Fisher-Yates, from the back: position i swaps with a uniform j in 0...i.
    public static func shuffle<Element>(_ elements: inout [Element], using generator: inout SplitMix64) {
        guard elements.count > 1 else { return }
        for index in stride(from: elements.count - 1, to: 0, by: -1) {
            elements.swapAt(index, below(index + 1, using: &generator))
        }
    }
}
