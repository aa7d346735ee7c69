import Foundation
import Testing
@testable import Shared

/// The run configuration's allocation fields, as an operator writes them.
@Suite("Run configuration: cap and pre-sample accounting")
struct RunConfigurationAllocationTests {
    static func decode(_ extra: String) throws(FieldError) -> RunConfiguration {
        let json = #"{"dataset":"d","model":"m","promptsPerIteration":4"# + extra + "}"
        let configuration = try JSONInput.decode(RunConfiguration.self, from: Data(json.utf8))
        try configuration.validate()
        return configuration
    }

    @Test("the defaults: no cap, separate accounting; and both round-trip")
    func defaults() throws {
        let plain = try Self.decode("")
        #expect(plain.maxSamplesPerPrompt == 0 && plain.presampleAccounting == .separate)
        let set = try Self.decode(#","maxSamplesPerPrompt":24,"presampleAccounting":"countTowardBudget""#)
        #expect(set.maxSamplesPerPrompt == 24 && set.presampleAccounting == .countTowardBudget)
        let again = try JSONInput.decode(RunConfiguration.self, from: try JSONEncoder().encode(set))
        #expect(again == set)
    }

    @Test(
        "bad values are refused naming the field",
        arguments: [
            (#","maxSamplesPerPrompt":-1"#, "maxSamplesPerPrompt"),
            (#","maxSamplesPerPrompt":12.5"#, "maxSamplesPerPrompt"),
            (#","maxSamplesPerPrompt":"8""#, "maxSamplesPerPrompt"),
            (#","maxSamplePerPrompt":8"#, "maxSamplePerPrompt"),
            (#","presampleAccounting":"reuse""#, "presampleAccounting"),
            (#","presampleAccounting":"countTowardBudget","trainOnPresamples":true"#, "presampleAccounting"),
            (#","presampleAccounting":"countTowardBudget","strategy":"uniform""#, "presampleAccounting"),
        ])
    func refused(extra: String, field: String) {
        do {
            _ = try Self.decode(extra)
            Issue.record("\(extra) should be refused")
        } catch {
            #expect(error.field == field, "\(error)")
        }
    }

    @Test("the accounting rule: new samples, pre-samples trained on, generation budget")
    func accountingRule() {
        let count = PresampleAccounting.countTowardBudget
        #expect((0...12).map { count.newSamples(allocated: $0, presamples: 8) } == [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4])
        #expect((0...12).map { count.presamplesTrainedOn(allocated: $0, presamples: 8, trainOnPresamples: false) }
            == [0, 1, 2, 3, 4, 5, 6, 7, 8, 8, 8, 8, 8])
        #expect(count.generationBudget(counts: [0, 3, 8, 13], presamples: 8) == 32 + 5)
        let separate = PresampleAccounting.separate
        #expect(separate.newSamples(allocated: 3, presamples: 8) == 3)
        #expect(separate.presamplesTrainedOn(allocated: 3, presamples: 8, trainOnPresamples: true) == 8)
        #expect(separate.presamplesTrainedOn(allocated: 3, presamples: 8, trainOnPresamples: false) == 0)
        #expect(separate.generationBudget(counts: [0, 3, 8, 13], presamples: 8) == 32 + 24)
    }
}
