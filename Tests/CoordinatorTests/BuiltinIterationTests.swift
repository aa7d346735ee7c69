import Foundation
import Shared
import Testing
@testable import Coordinator

/// Whole iterations of built-in runs in the store: sample → train →
/// evaluate → done, the next iteration on the new version, and a crash in
/// the middle of training.
@Suite("Built-in iterations")
struct BuiltinIterationTests {
    struct SimulatedCrash: Error {}

    @Test("an iteration goes sample → train → evaluate → done, and the next one samples with version 1")
    func fullIterations() async throws {
        let harness = try await BuiltinHarness()
        let run = try await harness.store.createRun(harness.configuration(iterations: 2), now: Date())
        let trainer = harness.trainer()
        try await harness.drain()
        #expect(try await harness.store.run(id: run.runId).stage == .train)
        var status = try #require(try await harness.store.status(now: Date()).runs.first)
        #expect(status.stage == .train && status.samplesGenerated == 24 && status.training == nil && status.evaluation == nil)

        // Version 0's accuracy, the train stage and the evaluate stage.
        #expect(try await trainer.processPending() == 3)
        let afterFirst = try await harness.store.run(id: run.runId)
        #expect(afterFirst.iteration == 1 && afterFirst.stage == .sample && afterFirst.modelVersion == "1")
        let version0 = try await harness.store.weights(runId: run.runId, version: "0")
        let version1 = try await harness.store.weights(runId: run.runId, version: "1")
        #expect(version1.bytes != version0.bytes && version1.sha256 == BuiltinWeights.sha256Hex(version1.bytes))

        var iterations = try await harness.store.iterations(runId: run.runId)
        #expect(iterations.map(\.modelVersion) == ["0", "1"])
        #expect(iterations[0].stage == .done && iterations[0].finishedAt != nil)
        let training = try #require(iterations[0].training)
        // Half of 6 prompts × 4 samples are right; RAFT trains on those.
        #expect(training.steps == 3 && training.stepsDone == 3 && training.sequences == 12 && training.skippedTraces == 0)
        #expect(training.modelVersion == "1" && training.finishedAt != nil)
        #expect(training.meanLoss != nil && training.meanGradNorm ?? 0 > 0)
        #expect(abs((training.meanRatio ?? 0) - 1) < 0.5 && training.clippedFraction != nil)
        let before = try #require(iterations[0].evaluationBefore)
        let after = try #require(iterations[0].evaluationAfter)
        #expect(before.modelVersion == "0" && after.modelVersion == "1")
        #expect(after.prompts == 4 && after.byLevel.map(\.level) == Array(Set(harness.test.map(\.level))).sorted())
        #expect(after.byLevel.reduce(0) { $0 + $1.prompts } == 4 && after.byLevel.reduce(0) { $0 + $1.correct } == after.correct)
        #expect(iterations[1].evaluationBefore == after && iterations[1].training == nil)

        // The next iteration's leases point at version 1.
        let lease = try #require(try await harness.store.grantLeases(
            LeaseRequest(workerName: "w1", model: BuiltinHarness.model, capacity: 1), now: Date()).first)
        #expect(lease.iteration == 1 && lease.modelVersion == "1")
        #expect(lease.builtin?.weightsPath == "/v1/runs/\(run.runId)/weights/1" && lease.builtin?.weightsSHA256 == version1.sha256)
        try await harness.store.release(leaseId: lease.leaseId, reason: "test", now: Date())

        try await harness.drain()
        #expect(try await trainer.processPending() == 2)
        let finished = try await harness.store.run(id: run.runId)
        #expect(finished.state == .completed && finished.modelVersion == "2")
        iterations = try await harness.store.iterations(runId: run.runId)
        #expect(iterations.map(\.stage) == [.done, .done] && iterations[1].evaluationAfter?.modelVersion == "2")
        status = try #require(try await harness.store.status(now: Date()).runs.first)
        #expect(status.training?.modelVersion == "2" && status.evaluation?.modelVersion == "2")
        #expect(try await trainer.processPending() == 0)
    }

    @Test("GRPO trains on pre-samples and samples of mixed groups when trainOnPresamples is set")
    func grpoWithPresamples() async throws {
        let harness = try await BuiltinHarness()
        var configuration = harness.configuration(algorithm: .grpo, strategy: .gvm, iterations: 1)
        configuration.trainOnPresamples = true
        let run = try await harness.store.createRun(configuration, now: Date())
        try await harness.drain()
        #expect(try await harness.trainer().processPending() == 3)
        let iteration = try #require(try await harness.store.iterations(runId: run.runId).first)
        let records = try await harness.store.promptStatistics(runId: run.runId, iteration: 0)
        let generated = records.reduce(0) { $0 + $1.presample.samples + $1.sample.samples }
        #expect(iteration.samplesGenerated == generated && generated > 24)
        // Every prompt's samples alternate right and wrong, so no group is dropped.
        let training = try #require(iteration.training)
        #expect(training.sequences == generated && training.droppedGroups == 0 && training.stepsDone == 3)
        #expect(try await harness.store.run(id: run.runId).state == .completed)
    }

    @Test("a paused run is not trained until it is resumed")
    func pausedRunWaits() async throws {
        let harness = try await BuiltinHarness()
        let run = try await harness.store.createRun(harness.configuration(iterations: 1), now: Date())
        try await harness.drain()
        _ = try await harness.store.pause(runId: run.runId, now: Date())
        #expect(try await harness.trainer().processPending() == 0)
        #expect(try await harness.store.run(id: run.runId).stage == .train)
        _ = try await harness.store.resume(runId: run.runId, now: Date())
        #expect(try await harness.trainer().processPending() == 3)
        #expect(try await harness.store.run(id: run.runId).state == .completed)
    }

    /// The harness's configuration, with `epochsPerIteration` instead of
    /// `stepsPerIteration` when `epochs` is given.
    static func configuration(_ harness: BuiltinHarness, epochs: Int?) -> RunConfiguration {
        var configuration = harness.configuration(iterations: 1)
        if let epochs {
            configuration.builtin?.stepsPerIteration = nil
            configuration.builtin?.epochsPerIteration = epochs
        }
        return configuration
    }

    @Test("with epochsPerIteration the train stage takes ⌈epochs · sequences / batchSize⌉ steps")
    func epochSteps() async throws {
        let harness = try await BuiltinHarness()
        let run = try await harness.store.createRun(Self.configuration(harness, epochs: 3), now: Date())
        try await harness.drain()
        #expect(try await harness.trainer().processPending() == 3)
        let training = try #require(try await harness.store.iterations(runId: run.runId).first?.training)
        // 12 accepted samples in minibatches of 4, three times over: 9 steps.
        #expect(training.sequences == 12 && training.steps == 9 && training.stepsDone == 9 && training.modelVersion == "1")
        #expect(try await harness.store.run(id: run.runId).configuration.builtin?.trainingSteps == .epochs(3))
    }

    @Test(
        "a crash during training leaves the iteration in train; the rerun makes the same version-1 bytes",
        arguments: [nil, 2] as [Int?])
    func restartDuringTraining(epochs: Int?) async throws {
        // steps 3, or ⌈2 · 12 / 4⌉ = 6.
        let steps = epochs == nil ? 3 : 6
        // The reference: the same run, trained without interruption.
        let reference = try await BuiltinHarness()
        let referenceRun = try await reference.store.createRun(Self.configuration(reference, epochs: epochs), now: Date())
        try await reference.drain()
        #expect(try await reference.trainer().processPending() == 3)
        let expected = try await reference.store.weights(runId: referenceRun.runId, version: "1")

        var harness = try await BuiltinHarness()
        let run = try await harness.store.createRun(Self.configuration(harness, epochs: epochs), now: Date())
        try await harness.drain()
        let crashing = harness.trainer { _, _, stepsDone in
            if stepsDone == 2 { throw SimulatedCrash() }
        }
        await #expect(throws: SimulatedCrash.self) { try await crashing.processPending() }
        // Version 0 was evaluated; training got two steps in and wrote nothing else.
        var iteration = try #require(try await harness.store.iterations(runId: run.runId).first)
        #expect(iteration.stage == .train && iteration.training?.stepsDone == 2 && iteration.training?.modelVersion == nil)
        #expect(iteration.training?.steps == steps)
        #expect(iteration.evaluationBefore?.modelVersion == "0")
        await #expect(throws: RequestRefusal.self) { try await harness.store.weights(runId: run.runId, version: "1") }
        #expect(try await harness.store.run(id: run.runId).modelVersion == "0")

        try harness.base.reopen()
        #expect(try await harness.trainer().processPending() == 2)
        let rerun = try await harness.store.weights(runId: run.runId, version: "1")
        #expect(rerun == expected)
        iteration = try #require(try await harness.store.iterations(runId: run.runId).first)
        #expect(iteration.stage == .done && iteration.training?.stepsDone == steps && iteration.training?.steps == steps)
    }
}
