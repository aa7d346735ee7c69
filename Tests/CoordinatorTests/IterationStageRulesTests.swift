import Shared
import Testing
@testable import Coordinator

/// Every edge of the iteration state machine, decided by
/// `IterationStageRules` alone, with no database.
@Suite("Iteration stage transitions")
struct IterationStageRulesTests {
    static func rules(
        _ strategy: AllocationStrategyName = .gvm, builtin: Bool = false, advance: AdvanceMode = .auto, iterations: Int = 3
    ) -> IterationStageRules {
        IterationStageRules(
            needs: StoreFixtures.configuration(strategy: strategy).strategyNeeds,
            trainsBuiltin: builtin, advance: advance, iterations: iterations)
    }

    @Test("start → presample: a gvm iteration opens by pre-sampling its batch")
    func gvmOpensInPresample() {
        for builtin in [false, true] {
            #expect(Self.rules(.gvm, builtin: builtin).opening == .presample)
            #expect(Self.rules(.gvm, builtin: builtin).opening.stage == .presample)
        }
    }

    @Test("start → sample: a uniform iteration skips presample and allocate")
    func uniformOpensInSample() {
        for builtin in [false, true] {
            #expect(Self.rules(.uniform, builtin: builtin).opening == .sampleDirectly)
            #expect(Self.rules(.uniform, builtin: builtin).opening.stage == .sample)
        }
    }

    @Test("presample → allocate: once the pre-samples are in, n_i is allocated")
    func presampleToAllocate() {
        for builtin in [false, true] {
            let end = Self.rules(.gvm, builtin: builtin).afterSampling(.presample)
            #expect(end == .allocate)
            #expect(end.stage == .allocate)
        }
    }

    @Test("allocate → sample: once n_i is recorded, the sample stage is queued")
    func allocateToSample() {
        #expect(IterationStageRules.afterAllocation == .sample)
    }

    @Test("sample → train: a built-in run's trainer takes the iteration", arguments: AllocationStrategyName.allCases)
    func sampleToTrain(strategy: AllocationStrategyName) {
        let end = Self.rules(strategy, builtin: true).afterSampling(.sample)
        #expect(end == .train)
        #expect(end.stage == .train)
    }

    @Test("sample → done: a run with an external trainer skips train and evaluate", arguments: AllocationStrategyName.allCases)
    func sampleToDone(strategy: AllocationStrategyName) {
        let end = Self.rules(strategy, builtin: false).afterSampling(.sample)
        #expect(end == .done)
        #expect(end.stage == .done)
    }

    @Test("train → evaluate: the trainer's new version is written")
    func trainToEvaluate() {
        #expect(IterationStageRules.afterTraining(at: .train, runState: .active) == .evaluate)
        // A paused run's trainer still finishes its stage.
        #expect(IterationStageRules.afterTraining(at: .train, runState: .paused) == .evaluate)
        // Nothing is written for a cancelled run, or an iteration that moved on.
        #expect(IterationStageRules.afterTraining(at: .train, runState: .cancelled) == nil)
        for stage in IterationStage.allCases where stage != .train {
            #expect(IterationStageRules.afterTraining(at: stage, runState: .active) == nil)
        }
    }

    @Test("evaluate → done: the new version's accuracy is measured")
    func evaluateToDone() {
        #expect(IterationStageRules.afterEvaluation(at: .evaluate, runState: .active) == .done)
        #expect(IterationStageRules.afterEvaluation(at: .evaluate, runState: .cancelled) == nil)
        for stage in IterationStage.allCases where stage != .evaluate {
            #expect(IterationStageRules.afterEvaluation(at: stage, runState: .active) == nil)
        }
    }

    @Test("done → next iteration: advance auto starts it at once")
    func doneStartsNext() {
        #expect(Self.rules(advance: .auto, iterations: 3).afterIteration(0, runState: .active) == .startNext(iteration: 1))
        #expect(Self.rules(advance: .auto, iterations: 3).afterIteration(1, runState: .active) == .startNext(iteration: 2))
    }

    @Test("done → waiting: advance manual waits for the external trainer's advance")
    func doneWaitsForAdvance() {
        #expect(Self.rules(advance: .manual, iterations: 3).afterIteration(0, runState: .active) == .waitForAdvance)
    }

    @Test("done → completed: the last configured iteration completes the run")
    func doneCompletesRun() {
        for advance in AdvanceMode.allCases {
            #expect(Self.rules(advance: advance, iterations: 3).afterIteration(2, runState: .active) == .completeRun)
            #expect(Self.rules(advance: advance, iterations: 1).afterIteration(0, runState: .active) == .completeRun)
        }
    }

    @Test("done → stays: nothing moves while the run is not active", arguments: [RunState.paused, .waiting, .cancelled, .completed])
    func doneStaysWhileInactive(state: RunState) {
        #expect(Self.rules(advance: .auto).afterIteration(0, runState: state) == .stay)
    }

    @Test("the rules read the run's configuration: strategy needs, built-in model, advance and iterations")
    func fromConfiguration() {
        var configuration = StoreFixtures.configuration(strategy: .uniform, iterations: 4)
        configuration.advance = .manual
        #expect(IterationStageRules(configuration: configuration) == Self.rules(.uniform, builtin: false, advance: .manual, iterations: 4))
    }
}
