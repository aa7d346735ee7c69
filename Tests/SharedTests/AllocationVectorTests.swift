import Foundation
import Testing
@testable import Shared

@Suite("Allocation conformance vectors")
struct AllocationVectorTests {
    @Test("the fixture holds every case of the spec")
    func fixtureIsComplete() throws {
        let vectors = try AllocationVector.all()
        #expect(vectors.count == 46)
        #expect(vectors.contains { $0.expectError == true })
        #expect(vectors.contains { $0.strategy == "uniform" })
        #expect(vectors.filter { $0.maxSamplesPerPrompt != nil }.count == 23)
        #expect(vectors.contains { ($0.expectedUnallocated ?? 0) > 0 })
    }

    @Test("every case gives exactly the expected counts and ratios", arguments: try AllocationVector.all())
    func vector(_ vector: AllocationVector) throws {
        let strategy = try #require(AllocationStrategyName(rawValue: vector.strategy)).strategy
        // A fractional cap cannot reach the library: the wire layers refuse
        // it (AllocateInput, RunConfiguration), and the vector expects that.
        guard let cap = Int(exactly: vector.maxSamplesPerPrompt ?? 0) else {
            #expect(vector.expectError == true)
            return
        }
        let request = AllocationRequest(
            gradNorms: vector.gradNorms, acceptRates: vector.acceptRates,
            alpha: vector.alpha, beta: vector.beta, budget: vector.budget,
            filterThreshold: vector.filterThreshold, filterInsufficient: vector.filterInsufficient,
            maxSamplesPerPrompt: cap)

        if vector.expectError == true {
            #expect(throws: AllocationError.self) { try strategy.allocate(request) }
            return
        }
        let allocation = try strategy.allocate(request)
        #expect(allocation.counts == vector.expectedCounts)
        #expect(allocation.unallocated == (vector.expectedUnallocated ?? 0))
        #expect(allocation.counts.reduce(0, +) == vector.budget - allocation.unallocated)
        if cap > 0 { #expect(allocation.counts.allSatisfy { $0 <= cap }) }
        let expected = try #require(vector.expectedRatios)
        try #require(allocation.ratios.count == expected.count)
        for (index, (got, want)) in zip(allocation.ratios, expected).enumerated() {
            if want == 0 {
                #expect(got == 0, "ratio \(index) must be exactly 0")
            } else {
                #expect(abs(got - want) <= 1e-9 * abs(want), "ratio \(index): \(got) vs \(want)")
            }
        }
    }
}
