import Shared

/// Draws for the task generator, on SplitMix64 alone and with gvm's own
/// uniform and shuffle algorithms (`SeededShuffle`): the standard library's
/// `random(in:using:)` and `shuffle(using:)` may change how they consume a
/// generator between Swift versions, and the same seed must give the same
/// tasks everywhere.
struct TaskRandom {
    private var generator: SplitMix64

    /// Seeds that differ in any bit give unrelated streams: the seed is mixed
    /// once before it becomes SplitMix64's state (whose consecutive states
    /// differ by a constant, so raw nearby seeds would share a stream).
    init(seed: UInt64, stream: UInt64) {
        var mixer = SplitMix64(seed: seed ^ stream)
        generator = SplitMix64(seed: mixer.next())
    }

    /// Uniform in `0..<bound` by rejection, so no value is favoured.
    mutating func below(_ bound: Int) -> Int {
        SeededShuffle.below(bound, using: &generator)
    }

    mutating func uniform(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// A number with exactly `digits` digits (0 counts as one digit).
    mutating func number(digits: Int) -> Int {
        digits == 1 ? uniform(in: 0...9) : uniform(in: power(of: 10, digits - 1)...(power(of: 10, digits) - 1))
    }

    mutating func coinFlip() -> Bool { below(2) == 1 }

    /// Fisher-Yates, from the back.
    mutating func shuffle<Element>(_ elements: inout [Element]) {
        SeededShuffle.shuffle(&elements, using: &generator)
    }

    private func power(of base: Int, _ exponent: Int) -> Int {
        (0..<exponent).reduce(1) { value, _ in value * base }
    }
}
