import Shared
import Testing
@testable import Coordinator

/// `RetryBudget` and the release kinds alone, with no store; the store's
/// keeping of the budget is in "Store conformance: retry budget and repeats".
@Suite("Retry budget rule")
struct RetryBudgetRuleTests {
    @Test("the rule: counted failures use the budget, shutdowns do not, 0 is unlimited")
    func rule() {
        let budget = RetryBudget(maxAttempts: 3)
        #expect(budget.afterFailure(attempts: 0, counts: true) == (1, false))
        #expect(budget.afterFailure(attempts: 2, counts: true) == (3, true))
        #expect(budget.afterFailure(attempts: 2, counts: false) == (2, false))
        #expect(RetryBudget(maxAttempts: 0).afterFailure(attempts: 1_000, counts: true) == (1_001, false))
        #expect(ReleaseKind.allCases.filter { !$0.countsAsAttempt } == [.shutdown, .versionUnavailable])
        #expect(LeaseRelease(reason: "old worker").effectiveKind == .other)
    }
}
