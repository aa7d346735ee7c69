/// Everything an allocation strategy may look at: per-prompt statistics from
/// pre-sampling, the regulariser, the budget and the optional filters.
///
/// Arrays are indexed by the prompt's position in the iteration's batch.
public struct AllocationRequest: Sendable, Equatable {
    /// G_i: the (mean or RMS) gradient norm of prompt i's accepted pre-samples.
    public var gradNorms: [Double]
    /// p_i: the fraction of prompt i's pre-samples that were accepted.
    public var acceptRates: [Double]
    public var alpha: Double
    public var beta: Double
    /// N: the total number of samples to hand out.
    public var budget: Int
    /// Drop prompts whose acceptance rate is strictly above this; 0 disables.
    public var filterThreshold: Double
    /// Drop prompts whose expected accepted count is strictly below this; 0 disables.
    public var filterInsufficient: Double
    /// C: the most samples one prompt may get; 0 means no cap. What the cap
    /// takes from one prompt goes to the others (water-filling); what no
    /// prompt can hold stays unallocated.
    public var maxSamplesPerPrompt: Int
    /// Prompts the history says are solved (GRPO): `knapsack` and `variance`
    /// give them nothing. Empty means none; otherwise one flag per prompt.
    public var solved: [Bool]
    /// Prompts the history says are hopeless (GRPO): `knapsack` gives them
    /// exactly its floor, `variance` nothing. Empty means none.
    public var hopeless: [Bool]
    /// f: the fewest samples `knapsack` gives a prompt it does not exclude.
    public var knapsackFloor: Int

    public init(
        gradNorms: [Double], acceptRates: [Double],
        alpha: Double = 1e-3, beta: Double = 2, budget: Int,
        filterThreshold: Double = 0, filterInsufficient: Double = 0, maxSamplesPerPrompt: Int = 0,
        solved: [Bool] = [], hopeless: [Bool] = [], knapsackFloor: Int = KnapsackAllocation.defaultFloor
    ) {
        self.gradNorms = gradNorms
        self.acceptRates = acceptRates
        self.alpha = alpha
        self.beta = beta
        self.budget = budget
        self.filterThreshold = filterThreshold
        self.filterInsufficient = filterInsufficient
        self.maxSamplesPerPrompt = maxSamplesPerPrompt
        self.solved = solved
        self.hopeless = hopeless
        self.knapsackFloor = knapsackFloor
    }

    public var promptCount: Int { acceptRates.count }

    /// Whether prompt i is solved; false when no flags were given.
    public func isSolved(_ i: Int) -> Bool { !solved.isEmpty && solved[i] }

    /// Whether prompt i is hopeless; false when no flags were given.
    public func isHopeless(_ i: Int) -> Bool { !hopeless.isEmpty && hopeless[i] }
}

/// Per-prompt sample counts that add up to the budget less `unallocated`
/// exactly, and the ratios they came from (scaled_i / N, summing to
/// 1 - unallocated / N).
public struct Allocation: Sendable, Equatable, Codable {
    public var counts: [Int]
    public var ratios: [Double]
    /// U: the part of the budget left unallocated because the allocatable
    /// prompts cannot hold it at the cap; 0 without a cap.
    public var unallocated: Int

    public init(counts: [Int], ratios: [Double], unallocated: Int = 0) {
        self.counts = counts
        self.ratios = ratios
        self.unallocated = unallocated
    }

    /// The samples handed out: the budget less `unallocated`.
    public var allocated: Int { counts.reduce(0, +) }
}

/// A rule that splits a sample budget over the prompts of an iteration.
/// The coordinator and the `allocate` command both go through `allocate`;
/// the coordinator asks `needs(for:)` which stages to run and never looks at
/// the strategy's name.
public protocol AllocationStrategy: Sendable {
    /// The name used in run configurations and on the command line.
    static var name: String { get }
    /// The strategy's parameters travel in each `AllocationRequest`, so the
    /// `allocate` command can build one without a run.
    init()
    /// Refuses a run configuration this strategy cannot run with; each
    /// failure names its field. `RunConfiguration.validate` calls it before
    /// the checks every run shares.
    static func validate(_ configuration: RunConfiguration) throws(FieldError)
    /// Fills the parameters this strategy needs and the run did not name
    /// with their defaults, once, when the configuration is made or read:
    /// a run is stored resolved, so later defaults never change it.
    static func resolve(_ configuration: inout RunConfiguration)
    /// What the coordinator must gather for a run with this (valid) configuration.
    static func needs(for configuration: RunConfiguration) -> StrategyNeeds
    /// Throws `AllocationError` for invalid input or when nothing is allocatable.
    func allocate(_ request: AllocationRequest) throws(AllocationError) -> Allocation
}

extension AllocationStrategy {
    /// Strategies without parameters of their own resolve nothing.
    public static func resolve(_ configuration: inout RunConfiguration) {}

    /// Refuses the strategy-specific fields this strategy does not take.
    static func refuseForeign(
        _ configuration: RunConfiguration, history refuseHistory: Bool, floor refuseFloor: Bool
    ) throws(FieldError) {
        if refuseHistory, configuration.history != nil {
            throw FieldError(
                field: RunConfiguration.CodingKeys.history.rawValue, problem: "strategy \(name) does not use history statistics")
        }
        if refuseFloor, let floor = configuration.knapsackFloor {
            throw FieldError(
                field: RunConfiguration.CodingKeys.knapsackFloor.rawValue,
                problem: "only strategy \(KnapsackAllocation.name) takes a floor, not \(name); got \(floor)")
        }
    }
}

/// The strategies a run or the `allocate` command can name.
public enum AllocationStrategyName: String, Sendable, Codable, CaseIterable {
    case gvm
    case uniform
    case knapsack
    case variance

    /// The one place a name becomes a strategy: everything else asks the
    /// strategy, so adding one means adding a case here and nothing more.
    public var strategyType: any AllocationStrategy.Type {
        switch self {
        case .gvm: GVMAllocation.self
        case .uniform: UniformAllocation.self
        case .knapsack: KnapsackAllocation.self
        case .variance: VarianceAllocation.self
        }
    }

    public var strategy: any AllocationStrategy { strategyType.init() }
}
