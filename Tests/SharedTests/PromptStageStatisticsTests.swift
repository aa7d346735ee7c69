import Testing
@testable import Shared

@Suite("Per-prompt statistics")
struct PromptStageStatisticsTests {
    @Test("p, the mean norm and the RMS norm come from accepted samples only")
    func summaries() {
        var statistics = PromptStageStatistics()
        statistics.record(accepted: true, gradNorm: 3)
        statistics.record(accepted: false, gradNorm: 100)
        statistics.record(accepted: true, gradNorm: 4)
        statistics.record(accepted: false, gradNorm: 0)
        #expect(statistics.samples == 4)
        #expect(statistics.accepted == 2)
        #expect(statistics.acceptRate == 0.5)
        #expect(statistics.meanGradNorm == 3.5)
        #expect(abs(statistics.rmsGradNorm - (12.5).squareRoot()) < 1e-15)
        #expect(statistics.gradNorm(.mean) == statistics.meanGradNorm)
        #expect(statistics.gradNorm(.rms) == statistics.rmsGradNorm)
    }

    @Test("an empty or all-rejected tally gives zeros, never NaN")
    func empty() {
        var statistics = PromptStageStatistics()
        #expect(statistics.acceptRate == 0 && statistics.meanGradNorm == 0 && statistics.rmsGradNorm == 0)
        statistics.record(accepted: false, gradNorm: 2)
        #expect(statistics.acceptRate == 0 && statistics.meanGradNorm == 0 && statistics.rmsGradNorm == 0)
    }

    @Test("merging partial tallies equals recording everything in one")
    func merge() {
        var whole = PromptStageStatistics(), first = PromptStageStatistics(), second = PromptStageStatistics()
        for (index, norm) in [1.0, 2, 3, 4, 5].enumerated() {
            whole.record(accepted: index % 2 == 0, gradNorm: norm)
            if index < 2 { first.record(accepted: index % 2 == 0, gradNorm: norm) } else { second.record(accepted: index % 2 == 0, gradNorm: norm) }
        }
        first.merge(second)
        #expect(first == whole)
    }

    @Test("an allocation request built from statistics uses the chosen G")
    func request() throws {
        var easy = PromptStageStatistics(), hard = PromptStageStatistics(), hopeless = PromptStageStatistics()
        for i in 0..<8 { easy.record(accepted: i < 6, gradNorm: 1) }
        for i in 0..<8 { hard.record(accepted: i < 1, gradNorm: 2) }
        for _ in 0..<8 { hopeless.record(accepted: false, gradNorm: 5) }
        let request = AllocationRequest(statistics: [easy, hard, hopeless], gradNormStatistic: .rms, alpha: 1e-3, beta: 2, budget: 24)
        #expect(request.acceptRates == [0.75, 0.125, 0])
        #expect(request.gradNorms == [1, 2, 0])
        let allocation = try GVMAllocation().allocate(request)
        #expect(allocation.counts[2] == 0)
        #expect(allocation.counts[1] > allocation.counts[0])
    }
}
