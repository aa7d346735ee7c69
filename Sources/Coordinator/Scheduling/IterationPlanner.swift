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
    /// order) under the run's pre-sample accounting.
    static func newSamples(allocation: Allocation, configuration: RunConfiguration) -> [Int] {
        allocation.counts.map {
            configuration.presampleAccounting.newSamples(allocated: $0, presamples: configuration.presamplesDrawn)
        }
    }

    /// Allocates an iteration's budget with the run's strategy, from its
    /// pre-sampling statistics in batch order (empty statistics when the
    /// strategy draws no pre-samples). When nothing is allocatable the
    /// iteration falls back to uniform and says why; any other refusal is a
    /// configuration bug, which run validation prevents, so it falls back the
    /// same way rather than stall.
    static func allocate(statistics: [PromptStageStatistics], configuration: RunConfiguration) -> AllocationOutcome {
        let budget = configuration.budget(promptCount: statistics.count)
        let cap = configuration.maxSamplesPerPrompt
        let request = AllocationRequest(
            statistics: statistics, gradNormStatistic: configuration.gradNormStatistic,
            alpha: configuration.alpha, beta: configuration.beta, budget: budget,
            filterThreshold: configuration.filterThreshold, filterInsufficient: configuration.filterInsufficient,
            maxSamplesPerPrompt: cap)
        do {
            return AllocationOutcome(allocation: try configuration.allocationStrategy.allocate(request))
        } catch {
            return AllocationOutcome(
                allocation: UniformAllocation.allocate(promptCount: statistics.count, budget: budget, cap: cap),
                fallbackReason: error.description)
        }
    }
}
