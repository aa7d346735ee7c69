import Testing
@testable import Shared

/// What each strategy asks the coordinator to gather, from a run's configuration.
@Suite("Allocation strategies: needs")
struct StrategyNeedsTests {
    static func configuration(_ strategy: AllocationStrategyName, presamples: Int = 8) -> RunConfiguration {
        RunConfiguration(dataset: "d", model: "m", strategy: strategy, presamples: presamples, promptsPerIteration: 4)
    }

    @Test("gvm pre-samples every prompt N' times, with no history and no rounds")
    func gvmNeeds() {
        for presamples in [1, 8, 32] {
            let needs = GVMAllocation.needs(for: Self.configuration(.gvm, presamples: presamples))
            #expect(needs == StrategyNeeds(presamples: .everyPrompt(count: presamples), usesHistory: false, samplesInRounds: false))
            #expect(needs.presamplesPerPrompt == presamples && needs.presamplesFirst)
        }
    }

    @Test("uniform draws no pre-samples, whatever presamples says, with no history and no rounds")
    func uniformNeeds() {
        for presamples in [0, 8] {
            let needs = UniformAllocation.needs(for: Self.configuration(.uniform, presamples: presamples))
            #expect(needs == StrategyNeeds(presamples: .none, usesHistory: false, samplesInRounds: false))
            #expect(needs.presamplesPerPrompt == 0 && !needs.presamplesFirst)
        }
    }

    @Test("a pre-sample need of zero per prompt opens no presample stage")
    func zeroPresamplesMeansNoStage() {
        #expect(PresampleNeed.none.perPrompt == 0)
        #expect(PresampleNeed.everyPrompt(count: 3).perPrompt == 3)
        #expect(!StrategyNeeds(presamples: .everyPrompt(count: 0)).presamplesFirst)
    }

    @Test("the configuration's needs and pre-samples drawn come from its strategy", arguments: AllocationStrategyName.allCases)
    func configurationAsksItsStrategy(name: AllocationStrategyName) {
        let configuration = Self.configuration(name, presamples: 5)
        #expect(configuration.strategyNeeds == name.strategyType.needs(for: configuration))
        #expect(configuration.presamplesDrawn == configuration.strategyNeeds.presamplesPerPrompt)
        #expect(type(of: configuration.allocationStrategy).name == name.rawValue)
    }

    @Test("pre-samples drawn keep their values: N' for gvm, 0 for uniform")
    func presamplesDrawnUnchanged() {
        #expect(Self.configuration(.gvm, presamples: 5).presamplesDrawn == 5)
        #expect(Self.configuration(.uniform, presamples: 5).presamplesDrawn == 0)
    }

    @Test("a run in rounds says so in its needs, whatever its strategy", arguments: AllocationStrategyName.allCases)
    func roundsAreTheRunsChoice(name: AllocationStrategyName) {
        var configuration = Self.configuration(name, presamples: 5)
        #expect(!configuration.strategyNeeds.samplesInRounds)
        configuration.rounds = SampleRounds(size: 4, acceptedTarget: 4)
        #expect(configuration.strategyNeeds.samplesInRounds)
        #expect(configuration.strategyNeeds.presamples == name.strategyType.needs(for: configuration).presamples)
    }

    @Test("every name maps to the strategy of that name", arguments: AllocationStrategyName.allCases)
    func factoryMatchesNames(name: AllocationStrategyName) {
        #expect(name.strategyType.name == name.rawValue)
        #expect(type(of: name.strategy).name == name.rawValue)
    }
}
