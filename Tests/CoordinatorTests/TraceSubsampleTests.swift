import Shared
import Testing
@testable import Coordinator

/// `builtin.trainingFraction`: the accounting control's random share of
/// each prompt's samples.
@Suite("Trace subsample")
struct TraceSubsampleTests {
    static func traces(prompts: [Int: Int]) -> [TrainingTrace] {
        prompts.keys.sorted().flatMap { promptId in
            (0..<prompts[promptId]!).map {
                TrainingTrace(
                    stage: .sample, promptId: promptId, sampleIndex: $0, response: "\($0)", reward: 1, finishReason: .stop,
                    tokenLogprobsJSON: nil)
            }
        }
    }

    @Test("each prompt keeps round(fraction × its samples), at least one, in the given order")
    func counts() {
        let traces = Self.traces(prompts: [1: 16, 2: 5, 3: 1, 4: 3])
        let kept = TraceSubsample.keep(traces, fraction: 0.5, runSeed: 7, iteration: 2)
        let perPrompt = Dictionary(kept.map { ($0.promptId, 1) }, uniquingKeysWith: +)
        // 8 of 16; 2.5 rounds to 3; 0.5 rounds to 1 (and at least 1); 1.5 rounds to 2.
        #expect(perPrompt == [1: 8, 2: 3, 3: 1, 4: 2])
        let positions = kept.map { trace in traces.firstIndex(of: trace)! }
        #expect(positions == positions.sorted())
        #expect(TraceSubsample.keep(traces, fraction: 1, runSeed: 7, iteration: 2) == traces)
    }

    @Test("the same seed and iteration keep the same samples; others keep others")
    func determinism() {
        let traces = Self.traces(prompts: [1: 16, 2: 16])
        let kept = TraceSubsample.keep(traces, fraction: 0.5, runSeed: 7, iteration: 2)
        #expect(TraceSubsample.keep(traces, fraction: 0.5, runSeed: 7, iteration: 2) == kept)
        #expect(TraceSubsample.keep(traces, fraction: 0.5, runSeed: 7, iteration: 3) != kept)
        #expect(TraceSubsample.keep(traces, fraction: 0.5, runSeed: 8, iteration: 2) != kept)
    }

    @Test("every sample is kept about as often as the fraction says")
    func uniform() {
        let traces = Self.traces(prompts: [1: 8])
        var counts = Array(repeating: 0, count: 8)
        for iteration in 0..<4000 {
            for trace in TraceSubsample.keep(traces, fraction: 0.25, runSeed: 1, iteration: iteration) {
                counts[trace.sampleIndex] += 1
            }
        }
        // 2 of 8 each time: 1,000 expected per sample, standard deviation about 27.
        #expect(counts.allSatisfy { abs($0 - 1000) < 150 }, "\(counts)")
    }
}
