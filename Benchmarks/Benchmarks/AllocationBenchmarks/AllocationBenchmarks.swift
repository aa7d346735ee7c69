import Benchmark
import Shared

/// Allocation at 10^4, 10^5 and 10^6 prompts, beside one plain pass over the
/// same arrays (read both, write one), so that the figures can be read as a
/// ratio on a noisy machine.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .microseconds,
        warmupIterations: 2,
        maxDuration: .seconds(5),
        maxIterations: 200
    )

    for promptCount in [10_000, 100_000, 1_000_000] {
        let request = AllocationInputs.realistic(promptCount: promptCount)

        Benchmark("gvm allocate \(promptCount) prompts") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try GVMAllocation().allocate(request))
            }
        }

        Benchmark("gvm allocate \(promptCount) prompts, both filters") { benchmark in
            var filtered = request
            filtered.filterThreshold = 0.99
            filtered.filterInsufficient = 0.5
            for _ in benchmark.scaledIterations {
                blackHole(try GVMAllocation().allocate(filtered))
            }
        }

        Benchmark("uniform allocate \(promptCount) prompts") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try UniformAllocation().allocate(request))
            }
        }

        Benchmark("baseline: one plain pass over \(promptCount) prompts") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(AllocationInputs.plainPass(request))
            }
        }
    }
}

enum AllocationInputs {
    /// Acceptance rates on the 1/8 grid of N' = 8 pre-samples, about one
    /// prompt in five never or always solved, and spread gradient norms.
    static func realistic(promptCount: Int) -> AllocationRequest {
        var generator = SplitMix64(seed: 2505_02391)
        var norms = [Double]()
        var rates = [Double]()
        norms.reserveCapacity(promptCount)
        rates.reserveCapacity(promptCount)
        for _ in 0..<promptCount {
            rates.append(Double(Int.random(in: 0...8, using: &generator)) / 8)
            norms.append(Double.random(in: 0.05...6, using: &generator))
        }
        return AllocationRequest(
            gradNorms: norms, acceptRates: rates, alpha: 1e-3, beta: 2, budget: 8 * promptCount)
    }

    /// The floor any O(m) allocation must pay: touch both arrays once and
    /// write one array of results.
    static func plainPass(_ request: AllocationRequest) -> [Double] {
        var out = [Double](repeating: 0, count: request.promptCount)
        for i in 0..<request.promptCount {
            out[i] = request.gradNorms[i] * request.acceptRates[i]
        }
        return out
    }
}
