import Foundation
import Testing
@testable import Shared

/// The round rules without a database: when a prompt stops, that caps hold,
/// and that a stage's outcome does not depend on the order results arrive in.
@Suite("Sample rounds: the rules")
struct SampleRoundsTests {
    static let raft = SampleRounds(size: 4, acceptedTarget: 4)
    static let grpo = SampleRounds(size: 4, correctTarget: 2, wrongTarget: 2)

    @Test("RAFT stops at K accepted, at the round boundary where it is reached")
    func raftStops() {
        #expect(Self.raft.decide(cap: 16, progress: .init(drawn: 4, accepted: 3, wrong: 1)) == .next(size: 4))
        #expect(Self.raft.decide(cap: 16, progress: .init(drawn: 8, accepted: 4, wrong: 4)) == .stop(.enough))
        #expect(Self.raft.decide(cap: 16, progress: .init(drawn: 4, accepted: 4, wrong: 0)) == .stop(.enough))
        // Wrong samples alone never stop a RAFT prompt.
        #expect(Self.raft.decide(cap: 16, progress: .init(drawn: 12, accepted: 0, wrong: 12)) == .next(size: 4))
    }

    @Test("GRPO needs both targets: correct alone or wrong alone does not stop")
    func grpoStops() {
        #expect(Self.grpo.decide(cap: 16, progress: .init(drawn: 4, accepted: 4, wrong: 0)) == .next(size: 4))
        #expect(Self.grpo.decide(cap: 16, progress: .init(drawn: 8, accepted: 0, wrong: 8)) == .next(size: 4))
        #expect(Self.grpo.decide(cap: 16, progress: .init(drawn: 4, accepted: 2, wrong: 2)) == .stop(.enough))
        #expect(Self.grpo.decide(cap: 16, progress: .init(drawn: 8, accepted: 7, wrong: 1)) == .next(size: 4))
    }

    @Test("the cap bounds every prompt: the last round is smaller, and a full cap stops")
    func caps() {
        #expect(Self.raft.firstRound(cap: 0) == nil)
        #expect(Self.raft.firstRound(cap: 3) == 3)
        #expect(Self.raft.firstRound(cap: 9) == 4)
        #expect(Self.raft.decide(cap: 10, progress: .init(drawn: 8, accepted: 1, wrong: 7)) == .next(size: 2))
        #expect(Self.raft.decide(cap: 10, progress: .init(drawn: 10, accepted: 1, wrong: 9)) == .stop(.cap))
        // Enough wins over the cap when both hold.
        #expect(Self.raft.decide(cap: 8, progress: .init(drawn: 8, accepted: 4, wrong: 4)) == .stop(.enough))
    }

    @Test("each algorithm resolves its own targets and refuses the other's, naming the field")
    func resolutionAndRefusals() throws {
        var raft = SampleRounds()
        raft.resolve(for: .raft)
        #expect(raft == SampleRounds(size: 4, acceptedTarget: 4))
        var grpo = SampleRounds(size: 2)
        grpo.resolve(for: .grpo)
        #expect(grpo == SampleRounds(size: 2, correctTarget: 2, wrongTarget: 2))
        func field(_ rounds: SampleRounds, _ algorithm: TrainingAlgorithm, perLease: Int = 8) -> String? {
            do {
                try rounds.validate(algorithm: algorithm, maxSamplesPerLease: perLease)
                return nil
            } catch {
                return error.field
            }
        }
        #expect(field(raft, .raft) == nil && field(grpo, .grpo) == nil)
        #expect(field(SampleRounds(size: 4, acceptedTarget: 4, correctTarget: 2), .raft) == "rounds.correctTarget")
        #expect(field(SampleRounds(size: 4, acceptedTarget: 4, correctTarget: 2, wrongTarget: 2), .grpo) == "rounds.acceptedTarget")
        #expect(field(SampleRounds(size: 0, acceptedTarget: 4), .raft) == "rounds.size")
        #expect(field(SampleRounds(size: 9, acceptedTarget: 4), .raft, perLease: 8) == "rounds.size")
        #expect(field(SampleRounds(size: 4, acceptedTarget: 0), .raft) == "rounds.acceptedTarget")
        #expect(field(SampleRounds(size: 4, correctTarget: 2, wrongTarget: 0), .grpo) == "rounds.wrongTarget")
    }

    /// A stage played out by the rules with results arriving in the order
    /// `pick` chooses among the rounds in flight: the samples each prompt drew
    /// and why it stopped. `outcome(prompt, index)` is whether a sample is
    /// accepted (correct), fixed by its seed as the lease seeds fix it.
    static func play(
        rounds: SampleRounds, caps: [Int], outcome: (Int, Int) -> Bool, pick: (Int) -> Int
    ) -> [(drawn: Int, stop: SampleRounds.Stop)] {
        var progress = caps.map { _ in SampleRounds.Progress(drawn: 0, accepted: 0, wrong: 0) }
        var stops = [SampleRounds.Stop?](repeating: nil, count: caps.count)
        var inFlight: [(prompt: Int, first: Int, size: Int)] = []
        for (prompt, cap) in caps.enumerated() {
            if let size = rounds.firstRound(cap: cap) {
                inFlight.append((prompt, 0, size))
                progress[prompt].drawn = size
            } else {
                stops[prompt] = .cap
            }
        }
        while !inFlight.isEmpty {
            let round = inFlight.remove(at: pick(inFlight.count))
            for index in round.first..<(round.first + round.size) {
                if outcome(round.prompt, index) { progress[round.prompt].accepted += 1 } else { progress[round.prompt].wrong += 1 }
            }
            switch rounds.decide(cap: caps[round.prompt], progress: progress[round.prompt]) {
            case .next(let size):
                inFlight.append((round.prompt, progress[round.prompt].drawn, size))
                progress[round.prompt].drawn += size
            case .stop(let stop):
                stops[round.prompt] = stop
            }
        }
        return zip(progress, stops).map { ($0.drawn, $1!) }
    }

    @Test("a stage ends the same however its results interleave, and within every cap", arguments: 0..<40)
    func orderDoesNotMatter(seed: Int) {
        var generator = SplitMix64(seed: UInt64(seed))
        let prompts = Int.random(in: 1...30, using: &generator)
        let caps = (0..<prompts).map { _ in Int.random(in: 0...24, using: &generator) }
        let rates = (0..<prompts).map { _ in Double(Int.random(in: 0...4, using: &generator)) / 4 }
        let salt = UInt64.random(in: 0...UInt64.max, using: &generator)
        let outcome = { (prompt: Int, index: Int) -> Bool in
            var sample = SplitMix64(seed: salt ^ UInt64(prompt * 1_000 + index))
            return Double.random(in: 0..<1, using: &sample) < rates[prompt]
        }
        for rounds in [Self.raft, Self.grpo, SampleRounds(size: 3, acceptedTarget: 2)] {
            let inOrder = Self.play(rounds: rounds, caps: caps, outcome: outcome, pick: { _ in 0 })
            var shuffler = SplitMix64(seed: UInt64(seed) &+ 77)
            let shuffled = Self.play(rounds: rounds, caps: caps, outcome: outcome, pick: { Int.random(in: 0..<$0, using: &shuffler) })
            let newestFirst = Self.play(rounds: rounds, caps: caps, outcome: outcome, pick: { $0 - 1 })
            #expect(inOrder.map(\.drawn) == shuffled.map(\.drawn) && inOrder.map(\.drawn) == newestFirst.map(\.drawn))
            #expect(inOrder.map(\.stop) == shuffled.map(\.stop))
            for (prompt, result) in inOrder.enumerated() {
                #expect(result.drawn <= caps[prompt])
                if result.stop == .cap { #expect(result.drawn == caps[prompt]) }
            }
        }
    }
}
