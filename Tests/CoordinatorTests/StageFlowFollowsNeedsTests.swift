import Shared
import Testing
@testable import Coordinator

/// The stages an iteration takes, and how its budget is allocated, follow
/// the strategy's needs and its `allocate`, not its name.
@Suite("Iteration stages follow the strategy's needs")
struct StageFlowFollowsNeedsTests {
    static func rules(_ needs: StrategyNeeds, builtin: Bool = false) -> IterationStageRules {
        IterationStageRules(needs: needs, trainsBuiltin: builtin, advance: .auto, iterations: 3)
    }

    @Test("needs without pre-samples open in sample, as uniform does", arguments: [PresampleNeed.none, .everyPrompt(count: 0)])
    func noPresamplesOpenInSample(presamples: PresampleNeed) {
        let uniform = IterationStageRules(configuration: StoreFixtures.configuration(strategy: .uniform))
        for builtin in [false, true] {
            let rules = Self.rules(StrategyNeeds(presamples: presamples), builtin: builtin)
            #expect(rules.opening == .sampleDirectly && rules.opening.stage == .sample)
            #expect(rules.opening == uniform.opening)
        }
    }

    @Test("needs with pre-samples open in presample and then allocate, as gvm does", arguments: [1, 8])
    func presamplesOpenInPresample(count: Int) {
        let gvm = IterationStageRules(configuration: StoreFixtures.configuration(strategy: .gvm))
        for builtin in [false, true] {
            let rules = Self.rules(StrategyNeeds(presamples: .everyPrompt(count: count)), builtin: builtin)
            #expect(rules.opening == .presample && rules.opening == gvm.opening)
            #expect(rules.afterSampling(.presample) == .allocate)
            #expect(rules.afterSampling(.sample) == (builtin ? .train : .done))
        }
    }

    @Test("a run's rules carry its strategy's needs", arguments: AllocationStrategyName.allCases)
    func rulesCarryNeeds(name: AllocationStrategyName) {
        let configuration = StoreFixtures.configuration(strategy: name)
        #expect(IterationStageRules(configuration: configuration).needs == name.strategyType.needs(for: configuration))
    }

    @Test("a uniform run's opening allocation is uniform's split, with no fallback", arguments: [0, 5, 12])
    func uniformOpeningAllocation(cap: Int) {
        var configuration = StoreFixtures.configuration(strategy: .uniform, prompts: 7)
        configuration.maxSamplesPerPrompt = cap
        let outcome = IterationPlanner.allocate(
            statistics: Array(repeating: PromptStageStatistics(), count: 7), configuration: configuration)
        #expect(outcome.fallbackReason == nil)
        #expect(outcome.allocation == UniformAllocation.allocate(promptCount: 7, budget: configuration.budget(promptCount: 7), cap: cap))
    }

    @Test("a gvm run's allocation is gvm's, and falls back to uniform when nothing is allocatable")
    func gvmAllocation() throws {
        let configuration = StoreFixtures.configuration(strategy: .gvm, prompts: 3)
        let statistics = [
            PromptStageStatistics(samples: 8, accepted: 2, gradNormSum: 2, gradNormSquareSum: 2),
            PromptStageStatistics(samples: 8, accepted: 6, gradNormSum: 6, gradNormSquareSum: 6),
            PromptStageStatistics(samples: 8, accepted: 0, gradNormSum: 0, gradNormSquareSum: 0),
        ]
        let outcome = IterationPlanner.allocate(statistics: statistics, configuration: configuration)
        let request = AllocationRequest(statistics: statistics, alpha: configuration.alpha, beta: configuration.beta, budget: 24)
        #expect(outcome.fallbackReason == nil)
        #expect(outcome.allocation == (try GVMAllocation().allocate(request)))

        let empty = Array(repeating: PromptStageStatistics(), count: 3)
        let fallback = IterationPlanner.allocate(statistics: empty, configuration: configuration)
        #expect(fallback.fallbackReason?.hasPrefix("nothing allocatable") == true)
        #expect(fallback.allocation == UniformAllocation.allocate(promptCount: 3, budget: 24))
    }
}
