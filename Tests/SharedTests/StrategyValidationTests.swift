import Foundation
import Testing
@testable import Shared

/// Each strategy refuses the configurations it cannot run with, with the
/// fields and messages run validation gave before the checks moved there.
@Suite("Allocation strategies: validation")
struct StrategyValidationTests {
    static func configuration(
        _ strategy: AllocationStrategyName, presamples: Int = 8, accounting: PresampleAccounting = .separate
    ) -> RunConfiguration {
        RunConfiguration(
            dataset: "d", model: "m", strategy: strategy, presamples: presamples,
            promptsPerIteration: 4, presampleAccounting: accounting)
    }

    static func refusal(_ check: () throws(FieldError) -> Void) -> FieldError? {
        do {
            try check()
            return nil
        } catch {
            return error
        }
    }

    @Test("gvm refuses fewer than one pre-sample, naming presamples", arguments: [0, -1])
    func gvmNeedsPresamples(presamples: Int) {
        let expected = FieldError(field: "presamples", problem: "must be at least 1 for strategy gvm, got \(presamples)")
        let configuration = Self.configuration(.gvm, presamples: presamples)
        #expect(Self.refusal { () throws(FieldError) in try GVMAllocation.validate(configuration) } == expected)
        #expect(Self.refusal { () throws(FieldError) in try configuration.validate() } == expected)
    }

    @Test("gvm accepts countTowardBudget and uniform accepts zero pre-samples")
    func accepted() throws {
        try GVMAllocation.validate(Self.configuration(.gvm, accounting: .countTowardBudget))
        try UniformAllocation.validate(Self.configuration(.uniform, presamples: 0))
        try Self.configuration(.gvm, accounting: .countTowardBudget).validate()
        try Self.configuration(.uniform, presamples: 0).validate()
    }

    @Test("uniform refuses countTowardBudget, naming presampleAccounting")
    func uniformHasNoPresamplesToCount() {
        let expected = FieldError(
            field: "presampleAccounting",
            problem: "countTowardBudget counts pre-samples, which strategy uniform does not draw")
        let configuration = Self.configuration(.uniform, accounting: .countTowardBudget)
        #expect(Self.refusal { () throws(FieldError) in try UniformAllocation.validate(configuration) } == expected)
        #expect(Self.refusal { () throws(FieldError) in try configuration.validate() } == expected)
    }

    @Test("the checks every run shares still apply under either strategy", arguments: AllocationStrategyName.allCases)
    func sharedChecksRemain(name: AllocationStrategyName) {
        var configuration = Self.configuration(name)
        configuration.samplesPerPrompt = 0
        #expect(Self.refusal { () throws(FieldError) in try configuration.validate() }?.field == "samplesPerPrompt")
        configuration = Self.configuration(name, presamples: RunLimits.maxSamplesPerPrompt + 1)
        #expect(Self.refusal { () throws(FieldError) in try configuration.validate() }?.field == "presamples")
    }

    @Test("an unknown field is refused by name, beside the strategy's parameters")
    func unknownFieldRefused() {
        let json = #"{"dataset":"d","model":"m","promptsPerIteration":4,"strategy":"uniform","presample":2}"#
        do {
            _ = try JSONInput.decode(RunConfiguration.self, from: Data(json.utf8))
            Issue.record("a misspelt field should be refused")
        } catch {
            #expect(error.field == "presample", "\(error)")
        }
    }
}
