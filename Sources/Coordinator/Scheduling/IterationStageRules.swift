import Shared

/// The iteration state machine, `presample → allocate → sample → train →
/// evaluate → done`, as decisions without a database. Which edges a run
/// takes depends on its configuration: runs whose strategy needs no
/// pre-samples skip presample and allocate; only built-in runs train and
/// evaluate inside gvm. The store executes each step in the transaction that
/// caused it (SQLiteStore+Iterations, SQLiteStore+Training).
struct IterationStageRules: Equatable, Sendable {
    /// What the run's strategy needs gathered; the rules never look at its name.
    var needs: StrategyNeeds
    /// Built-in runs are trained by the coordinator (`BuiltinTrainer`);
    /// other runs' trainers are outside gvm.
    var trainsBuiltin: Bool
    var advance: AdvanceMode
    var iterations: Int

    init(needs: StrategyNeeds, trainsBuiltin: Bool, advance: AdvanceMode, iterations: Int) {
        self.needs = needs
        self.trainsBuiltin = trainsBuiltin
        self.advance = advance
        self.iterations = iterations
    }

    init(configuration: RunConfiguration) {
        self.init(
            needs: configuration.strategyNeeds, trainsBuiltin: configuration.builtin != nil,
            advance: configuration.advance, iterations: configuration.iterations)
    }

    // MARK: Start

    /// How a new iteration opens.
    enum Opening: Equatable, Sendable {
        /// The strategy needs pre-samples: they are drawn first, then allocate.
        case presample
        /// No pre-samples: the strategy allocates the budget at once and the
        /// iteration starts in sample.
        case sampleDirectly

        var stage: IterationStage {
            switch self {
            case .presample: .presample
            case .sampleDirectly: .sample
            }
        }
    }

    var opening: Opening {
        needs.presamplesFirst ? .presample : .sampleDirectly
    }

    // MARK: Stage completions

    /// What follows a sampling stage that has no work left.
    enum SamplingEnd: Equatable, Sendable {
        /// presample → allocate: n_i from the pre-samples, then on to sample
        /// (`afterAllocation`).
        case allocate
        /// sample → train: the coordinator's trainer takes it from here.
        case train
        /// sample → done: another trainer's run; train and evaluate happen outside gvm.
        case done

        var stage: IterationStage {
            switch self {
            case .allocate: .allocate
            case .train: .train
            case .done: .done
            }
        }
    }

    func afterSampling(_ stage: SamplingStage) -> SamplingEnd {
        switch stage {
        case .presample: .allocate
        case .sample: trainsBuiltin ? .train : .done
        }
    }

    /// allocate → sample: once n_i is recorded, the sample stage's work is queued.
    static let afterAllocation: IterationStage = .sample

    /// train → evaluate, when the trainer's new version is written. Nil when
    /// the run was cancelled or the iteration is not in train (it moved on
    /// meanwhile): nothing is written then.
    static func afterTraining(at stage: IterationStage, runState: RunState) -> IterationStage? {
        runState != .cancelled && stage == .train ? .evaluate : nil
    }

    /// evaluate → done, when the new version's accuracy is measured; nil as
    /// `afterTraining`.
    static func afterEvaluation(at stage: IterationStage, runState: RunState) -> IterationStage? {
        runState != .cancelled && stage == .evaluate ? .done : nil
    }

    // MARK: Done

    /// What a done iteration leads to.
    enum IterationEnd: Equatable, Sendable {
        /// The run is not active (paused, say): nothing moves until it is.
        case stay
        /// That was the last configured iteration.
        case completeRun
        /// `advance: auto`: the next iteration starts now.
        case startNext(iteration: Int)
        /// `advance: manual`: the run waits for the external trainer's advance.
        case waitForAdvance
    }

    func afterIteration(_ iteration: Int, runState: RunState) -> IterationEnd {
        guard runState == .active else { return .stay }
        if iteration + 1 >= iterations { return .completeRun }
        return advance == .auto ? .startNext(iteration: iteration + 1) : .waitForAdvance
    }
}
