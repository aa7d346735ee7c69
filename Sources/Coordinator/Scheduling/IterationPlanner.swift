import Shared

/// The decisions of an iteration that need no database: which prompts, how
/// samples split into leases, and how the budget is allocated. The store
/// applies them inside its transactions.
enum IterationPlanner {
    /// A slice of one prompt's samples that one lease covers.
    struct Slice: Equatable {
        var firstSampleIndex: Int
        var sampleCount: Int
    }

    /// Splits `count` samples into leases of at most `maxPerLease`.
    static func slices(count: Int, maxPerLease: Int) -> [Slice] {
        stride(from: 0, to: count, by: maxPerLease).map {
            Slice(firstSampleIndex: $0, sampleCount: min(maxPerLease, count - $0))
        }
    }

    /// The dataset positions of iteration `number`'s batch, in the order of
    /// the run's `orderVersion`.
    static func batch(
        iteration number: Int, configuration: RunConfiguration, orderVersion: OrderVersion, datasetSize: Int
    ) -> [Int] {
        let order = RunDeterminism.promptOrder(count: datasetSize, runSeed: configuration.seed, orderVersion: orderVersion)
        return RunDeterminism.batch(iteration: number, perIteration: configuration.promptsPerIteration, order: order)
    }

    /// The outcome of the allocate stage.
    struct AllocationOutcome: Equatable {
        var allocation: Allocation
        /// Why the iteration fell back to uniform, if it did.
        var fallbackReason: String?
    }

    /// The samples the sample stage generates for each prompt (in batch
    /// order) under the run's pre-sample accounting, given each prompt's
    /// pre-samples.
    static func newSamples(allocation: Allocation, presampleCounts: [Int], configuration: RunConfiguration) -> [Int] {
        zip(allocation.counts, presampleCounts).map {
            configuration.presampleAccounting.newSamples(allocated: $0, presamples: $1)
        }
    }

    /// The pre-samples each prompt of the batch gets: N' for every prompt,
    /// or, when the strategy pre-samples where the history is unsure, N'
    /// for the uncertain prompts and none for the others.
    static func presampleCounts(needs: StrategyNeeds, estimates: [PromptEstimate]?, batchSize: Int) -> [Int] {
        switch needs.presamples {
        case .none: Array(repeating: 0, count: batchSize)
        case .everyPrompt(let count): Array(repeating: count, count: batchSize)
        case .whereUncertain(let count): (estimates ?? []).map { $0.uncertain ? count : 0 }
        }
    }

    /// Allocates from history estimates: p_i is the posterior mean, G_i the
    /// history's norm; under GRPO the window's solved and hopeless prompts
    /// are flagged for the strategy.
    static func allocate(estimates: [PromptEstimate], configuration: RunConfiguration) -> AllocationOutcome {
        let flagsApply = configuration.algorithm == .grpo
        let request = AllocationRequest(
            gradNorms: estimates.map(\.gradNorm), acceptRates: estimates.map(\.mean),
            alpha: configuration.alpha, beta: configuration.beta, budget: configuration.budget(promptCount: estimates.count),
            filterThreshold: configuration.filterThreshold, filterInsufficient: configuration.filterInsufficient,
            maxSamplesPerPrompt: configuration.maxSamplesPerPrompt,
            solved: flagsApply ? estimates.map(\.solved) : [], hopeless: flagsApply ? estimates.map(\.hopeless) : [],
            knapsackFloor: configuration.knapsackFloor ?? KnapsackAllocation.defaultFloor)
        return allocate(request, configuration: configuration)
    }

    /// Allocates an iteration's budget with the run's strategy, from its
    /// pre-sampling statistics in batch order (empty statistics when the
    /// strategy draws no pre-samples). When nothing is allocatable the
    /// iteration falls back to uniform and says why; any other refusal is a
    /// configuration bug, which run validation prevents, so it falls back the
    /// same way rather than stall.
    static func allocate(statistics: [PromptStageStatistics], configuration: RunConfiguration) -> AllocationOutcome {
        let request = AllocationRequest(
            statistics: statistics, gradNormStatistic: configuration.gradNormStatistic,
            alpha: configuration.alpha, beta: configuration.beta, budget: configuration.budget(promptCount: statistics.count),
            filterThreshold: configuration.filterThreshold, filterInsufficient: configuration.filterInsufficient,
            maxSamplesPerPrompt: configuration.maxSamplesPerPrompt)
        return allocate(request, configuration: configuration)
    }

    private static func allocate(_ request: AllocationRequest, configuration: RunConfiguration) -> AllocationOutcome {
        do {
            return AllocationOutcome(allocation: try configuration.allocationStrategy.allocate(request))
        } catch {
            return AllocationOutcome(
                allocation: UniformAllocation.allocate(
                    promptCount: request.promptCount, budget: request.budget, cap: request.maxSamplesPerPrompt),
                fallbackReason: error.description)
        }
    }
}
