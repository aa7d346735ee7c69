import Testing
@testable import Worker

@Suite struct BackoffTests {
    private let backoff = Backoff.coordinator

    @Test func ceilingDoublesFromTheBaseUpToTheCap() {
        let ceilings = (0..<8).map { backoff.ceiling(attempt: $0) }
        #expect(ceilings == [
            .milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600),
            .milliseconds(3200), .milliseconds(6400), .seconds(10), .seconds(10),
        ])
        #expect(backoff.ceiling(attempt: 1_000_000) == .seconds(10))
        #expect(backoff.ceiling(attempt: -1) == .milliseconds(200))
    }

    @Test func delaysAreFullyJitteredWithinTheCeiling() {
        var generator = TestGenerator(state: 42)
        for attempt in 0..<12 {
            let delays = (0..<200).map { _ in backoff.delay(attempt: attempt, using: &generator) }
            let ceiling = backoff.ceiling(attempt: attempt)
            #expect(delays.allSatisfy { $0 >= .zero && $0 <= ceiling })
            // Full jitter: spread over the whole range, not bunched at the top.
            #expect(delays.contains { $0 < ceiling / 4 })
            #expect(delays.contains { $0 > ceiling * 3 / 4 })
        }
    }

    private struct TestGenerator: RandomNumberGenerator {
        var state: UInt64

        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state
        }
    }
}
