import Foundation
import Shared
import Testing
@testable import Coordinator

/// `presampleAccounting: countTowardBudget`: a prompt allocated n_i gets
/// max(n_i - N', 0) new samples and trains on its first n_i samples, the
/// new ones first, then its pre-samples by index.
@Suite("Pre-sample accounting in the store")
struct PresampleAccountingFlowTests {
    /// GRPO keeps every sample, so the training set's size per prompt is
    /// exactly what the accounting says. Prompts accept 1 to 4 of every 4
    /// samples, so GVM gives them different n_i, some above N' = 4 and some
    /// below.
    static func result(_ harness: BuiltinHarness, _ lease: Lease) async throws -> LeaseResult {
        var result = try await harness.result(for: lease)
        let accepted = lease.promptId % 4 + 1
        for k in result.samples.indices {
            let right = result.samples[k].sampleIndex % 4 < accepted
            result.samples[k].reward = right ? 1 : 0
            result.samples[k].gradNorm = right ? 1 : nil
        }
        return result
    }

    static func drain(_ harness: BuiltinHarness) async throws {
        while true {
            let leases = try await harness.store.grantLeases(
                LeaseRequest(workerName: "w1", model: BuiltinHarness.model, capacity: 64), now: Date())
            if leases.isEmpty { return }
            for lease in leases {
                _ = try await harness.store.submit(leaseId: lease.leaseId, result: try await result(harness, lease), now: Date())
            }
        }
    }

    @Test("new samples, samples trained on and both budget figures follow countTowardBudget")
    func countTowardBudget() async throws {
        let harness = try await BuiltinHarness(trainCount: 8)
        var configuration = harness.configuration(algorithm: .grpo, strategy: .gvm, iterations: 1)
        configuration.presampleAccounting = .countTowardBudget
        let run = try await harness.store.createRun(configuration, now: Date())
        try await Self.drain(harness)
        #expect(try await harness.store.run(id: run.runId).stage == .train)

        let records = try await harness.store.promptStatistics(runId: run.runId, iteration: 0)
        let counts = records.compactMap(\.allocatedCount)
        #expect(counts.count == 8 && counts.reduce(0, +) == 32)
        #expect(counts.contains { $0 > 4 } && counts.contains { $0 < 4 })
        var expectedGeneration = 8 * 4
        for record in records {
            let allocated = try #require(record.allocatedCount)
            #expect(record.presample.samples == 4)
            // Only what n_i needs beyond the pre-samples is generated.
            #expect(record.sample.samples == max(allocated - 4, 0))
            expectedGeneration += max(allocated - 4, 0)
        }
        let status = try #require(try await harness.store.status(now: Date()).runs.first)
        #expect(status.budget == 32 && status.unallocated == 0)
        #expect(status.generationBudget == expectedGeneration && status.samplesGenerated == expectedGeneration)
        #expect(expectedGeneration < 32 + 8 * 4)

        // The trainer gets, per prompt, the new samples and then the first
        // n_i - new pre-samples: n_i in all.
        let inputs = try await harness.store.trainingInputs(runId: run.runId, iteration: 0)
        for record in records {
            let allocated = try #require(record.allocatedCount)
            let mine = inputs.traces.filter { $0.promptId == record.promptId }
            #expect(mine.count == allocated)
            let fresh = mine.filter { $0.stage == .sample }.map(\.sampleIndex)
            let reused = mine.filter { $0.stage == .presample }.map(\.sampleIndex)
            #expect(fresh == Array(0..<max(allocated - 4, 0)))
            #expect(reused == Array(0..<(allocated - fresh.count)))
        }
        let export = try await harness.store.allocationExport(runId: run.runId, iteration: 0)
        #expect(export.budget == 32 && export.generationBudget == expectedGeneration)
        // And the train stage runs on them.
        #expect(try await harness.trainer().processPending() >= 2)
        let training = try #require(try await harness.store.iterations(runId: run.runId).first?.training)
        #expect(training.sequences + training.skippedTraces > 0)
    }

    @Test("separate accounting regenerates every n_i and trains on the sample stage alone")
    func separate() async throws {
        let harness = try await BuiltinHarness(trainCount: 8)
        let run = try await harness.store.createRun(
            harness.configuration(algorithm: .grpo, strategy: .gvm, iterations: 1), now: Date())
        try await Self.drain(harness)
        let records = try await harness.store.promptStatistics(runId: run.runId, iteration: 0)
        #expect(records.allSatisfy { $0.sample.samples == $0.allocatedCount })
        let status = try #require(try await harness.store.status(now: Date()).runs.first)
        #expect(status.budget == 32 && status.generationBudget == 64 && status.samplesGenerated == 64)
        let inputs = try await harness.store.trainingInputs(runId: run.runId, iteration: 0)
        #expect(inputs.traces.count == 32 && inputs.traces.allSatisfy { $0.stage == .sample })
    }

    @Test("countTowardBudget with trainOnPresamples, or without pre-samples, is refused naming the field")
    func refusedCombinations() async throws {
        let harness = try await BuiltinHarness()
        var both = harness.configuration(strategy: .gvm)
        both.presampleAccounting = .countTowardBudget
        both.trainOnPresamples = true
        await #expect(throws: RequestRefusal.self) { try await harness.store.createRun(both, now: Date()) }
        #expect(throws: FieldError.self) { try both.validate() }
        do {
            try both.validate()
        } catch {
            #expect(error.field == "presampleAccounting" && error.problem.contains("trainOnPresamples"))
        }
        var uniform = harness.configuration(strategy: .uniform)
        uniform.presampleAccounting = .countTowardBudget
        do {
            try uniform.validate()
            Issue.record("uniform has no pre-samples to count")
        } catch {
            #expect(error.field == "presampleAccounting")
        }
        #expect(try await harness.store.status(now: Date()).runs.isEmpty)
    }
}
