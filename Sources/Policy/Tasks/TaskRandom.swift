import Shared

/// Draws for the task generator, on SplitMix64 alone and with its own
/// uniform and shuffle algorithms: the standard library's `random(in:using:)`
/// and `shuffle(using:)` may change how they consume a generator between
/// Swift versions, and the same seed must give the same tasks everywhere.
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
        precondition(bound > 0, "bound must be positive")
        let bound = UInt64(bound)
        // 2^64 mod bound: draws under it would make the low values likelier.
        let threshold = (0 &- bound) % bound
        while true {
            let draw = generator.next()
            if draw >= threshold { return Int(draw % bound) }
        }
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
        guard elements.count > 1 else { return }
        for index in stride(from: elements.count - 1, to: 0, by: -1) {
            elements.swapAt(index, below(index + 1))
        }
    }

    private func power(of base: Int, _ exponent: Int) -> Int {
        (0..<exponent).reduce(1) { value, _ in value * base }
    }
}
