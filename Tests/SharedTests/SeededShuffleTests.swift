import Testing
@testable import Shared

/// gvm's own Fisher-Yates: a permutation, unbiased, and drawing by rejection.
@Suite("Seeded shuffle")
struct SeededShuffleTests {
    @Test("a shuffle is a permutation, the same for the same seed, and leaves short arrays alone")
    func permutation() {
        var generator = SplitMix64(seed: 42)
        var values = Array(0..<50)
        SeededShuffle.shuffle(&values, using: &generator)
        #expect(values.sorted() == Array(0..<50) && values != Array(0..<50))
        var again = SplitMix64(seed: 42)
        var replay = Array(0..<50)
        SeededShuffle.shuffle(&replay, using: &again)
        #expect(replay == values)
        var one = [7]
        var empty: [Int] = []
        var untouched = SplitMix64(seed: 1)
        SeededShuffle.shuffle(&one, using: &untouched)
        SeededShuffle.shuffle(&empty, using: &untouched)
        var fresh = SplitMix64(seed: 1)
        #expect(one == [7] && empty.isEmpty && untouched.next() == fresh.next(), "no draw for fewer than two elements")
    }

    @Test("every ordering of three elements is about equally likely")
    func unbiased() {
        var generator = SplitMix64(seed: 9)
        var counts: [[Int]: Int] = [:]
        let trials = 60_000
        for _ in 0..<trials {
            var values = [0, 1, 2]
            SeededShuffle.shuffle(&values, using: &generator)
            counts[values, default: 0] += 1
        }
        #expect(counts.count == 6)
        // Each count is binomial(60000, 1/6): mean 10000, sd about 91.
        #expect(counts.values.allSatisfy { abs($0 - trials / 6) < 500 }, "\(counts)")
    }

    @Test("a draw in the biased low range 2^64 mod bound is rejected and drawn again")
    func rejection() {
        // bound = 2^62 + 1: 2^64 mod bound = 2^62 - 3, so about a quarter of
        // the draws are refused; seed 3's first draw is one of them.
        let bound: UInt64 = (1 << 62) + 1
        let threshold: UInt64 = (1 << 62) - 3
        #expect((0 &- bound) % bound == threshold)
        var reference = SplitMix64(seed: 3)
        var draws: [UInt64] = []
        while draws.last.map({ $0 >= threshold }) != true { draws.append(reference.next()) }
        #expect(draws.count == 2)
        var generator = SplitMix64(seed: 3)
        #expect(SeededShuffle.below(Int(bound), using: &generator) == Int(draws[1] % bound))
        #expect(generator.next() == reference.next(), "below consumed exactly the draws up to the first accepted one")
    }
}
