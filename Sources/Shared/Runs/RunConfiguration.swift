import Foundation

/// Everything a run needs, as an operator writes it (`POST /v1/runs`,
/// `gvm-coordinator create-run`). Stored whole with the run, beside the gvm
/// version that created it, so an old run is always reproducible.
public struct RunConfiguration: Codable, Sendable, Equatable {
    /// The dataset's name, as given when it was imported.
    public var dataset: String
    /// The model name workers must serve to receive this run's leases.
    public var model: String
    /// The first model version; an external trainer advances it.
    public var modelVersion: String
    public var strategy: AllocationStrategyName
    public var algorithm: TrainingAlgorithm
    /// N': samples per prompt in the pre-sampling stage.
    public var presamples: Int
    /// The budget N of an iteration is this times its number of prompts.
    public var samplesPerPrompt: Int
    public var alpha: Double
    public var beta: Double
    public var filterThreshold: Double
    public var filterInsufficient: Double
    public var gradNormStatistic: GradNormStatistic
    public var promptsPerIteration: Int
    public var iterations: Int
    public var maxSamplesPerLease: Int
    /// C: the most samples one prompt may get in an iteration (pre-samples
    /// included under `countTowardBudget`); 0 means no cap.
    public var maxSamplesPerPrompt: Int
    /// Whether the pre-samples count toward the budget N.
    public var presampleAccounting: PresampleAccounting
    /// Whether pre-samples are also trained on, beside the sample stage's
    /// samples (the reference's main pipeline regenerates and does not;
    /// `separate` accounting only).
    public var trainOnPresamples: Bool
    public var prompt: PromptTemplate
    public var generation: GenerationParameters
    public var verifier: VerifierName
    public var gradNorm: GradNormMode
    /// The user's gradient service, for `gradNorm` `url` (and only then).
    public var gradNormURL: String?
    public var advance: AdvanceMode
    /// Fixes the prompt batches, the trainer's minibatches and, unless
    /// `samplerSeed` is given, the lease seeds.
    public var seed: Int
    /// The seed of the lease seeds alone, when given: two runs with one
    /// `seed` and different sampler seeds see the same prompts in the same
    /// order and differ only in their samples (the convergence benchmark's
    /// A/A control). Absent, the lease seeds come from `seed`.
    public var samplerSeed: Int?
    /// How long a lease is valid without a heartbeat.
    public var leaseSeconds: Double
    /// Expiries and counted releases a work unit may use before it fails
    /// (`ReleaseKind.countsAsAttempt`); 0 means unlimited.
    public var maxAttemptsPerUnit: Int
    /// Present for runs on the built-in model, which the coordinator trains
    /// itself; absent for runs whose model an external trainer advances.
    public var builtin: BuiltinTraining?
    /// How p_i and G_i come from each prompt's earlier samples. Absent for
    /// the paper's gvm (statistics from this iteration's pre-samples alone);
    /// strategies that need it resolve it to its defaults when a run names
    /// none (`AllocationStrategy.resolve`).
    public var history: HistoryParameters?
    /// f for strategy `knapsack` (resolved to 2 when not given); absent otherwise.
    public var knapsackFloor: Int?
    /// Sample until enough: the sample stage in rounds that stop a prompt
    /// once it has enough signal. Absent: every n_i is drawn at once.
    public var rounds: SampleRounds?

    public init(
        dataset: String, model: String, modelVersion: String = "0",
        strategy: AllocationStrategyName = .gvm, algorithm: TrainingAlgorithm = .raft,
        presamples: Int = 8, samplesPerPrompt: Int = 8,
        alpha: Double = 1e-3, beta: Double = 2, filterThreshold: Double = 0, filterInsufficient: Double = 0,
        gradNormStatistic: GradNormStatistic = .mean,
        promptsPerIteration: Int, iterations: Int = 1, maxSamplesPerLease: Int = 8,
        maxSamplesPerPrompt: Int = 0, presampleAccounting: PresampleAccounting = .separate,
        trainOnPresamples: Bool = false,
        prompt: PromptTemplate = .defaultChat, generation: GenerationParameters = .init(),
        verifier: VerifierName = .math, gradNorm: GradNormMode = .constant, gradNormURL: String? = nil,
        advance: AdvanceMode = .auto,
        seed: Int = 0, samplerSeed: Int? = nil, leaseSeconds: Double = 300, maxAttemptsPerUnit: Int = 5,
        builtin: BuiltinTraining? = nil, history: HistoryParameters? = nil, knapsackFloor: Int? = nil,
        rounds: SampleRounds? = nil
    ) {
        self.dataset = dataset
        self.model = model
        self.modelVersion = modelVersion
        self.strategy = strategy
        self.algorithm = algorithm
        self.presamples = presamples
        self.samplesPerPrompt = samplesPerPrompt
        self.alpha = alpha
        self.beta = beta
        self.filterThreshold = filterThreshold
        self.filterInsufficient = filterInsufficient
        self.gradNormStatistic = gradNormStatistic
        self.promptsPerIteration = promptsPerIteration
        self.iterations = iterations
        self.maxSamplesPerLease = maxSamplesPerLease
        self.maxSamplesPerPrompt = maxSamplesPerPrompt
        self.presampleAccounting = presampleAccounting
        self.trainOnPresamples = trainOnPresamples
        self.prompt = prompt
        self.generation = generation
        self.verifier = verifier
        self.gradNorm = gradNorm
        self.gradNormURL = gradNormURL
        self.advance = advance
        self.seed = seed
        self.samplerSeed = samplerSeed
        self.leaseSeconds = leaseSeconds
        self.maxAttemptsPerUnit = maxAttemptsPerUnit
        self.builtin = builtin
        self.history = history
        self.knapsackFloor = knapsackFloor
        self.rounds = rounds
        self.rounds?.resolve(for: algorithm)
        strategy.strategyType.resolve(&self)
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case dataset, model, modelVersion, strategy, algorithm, presamples, samplesPerPrompt
        case alpha, beta, filterThreshold, filterInsufficient, gradNormStatistic
        case promptsPerIteration, iterations, maxSamplesPerLease, maxSamplesPerPrompt, presampleAccounting, trainOnPresamples
        case prompt, generation, verifier, gradNorm, gradNormURL, advance, seed, samplerSeed, leaseSeconds, maxAttemptsPerUnit
        case builtin, history, knapsackFloor, rounds
    }

    /// Missing fields take their defaults; unknown fields are refused, since
    /// a misspelt key silently running with a default is worse than an error.
    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = RunConfiguration(dataset: "", model: "", promptsPerIteration: 0)
        dataset = try c.decode(String.self, forKey: .dataset)
        model = try c.decode(String.self, forKey: .model)
        modelVersion = try c.decodeIfPresent(String.self, forKey: .modelVersion) ?? defaults.modelVersion
        strategy = try c.decodeIfPresent(AllocationStrategyName.self, forKey: .strategy) ?? defaults.strategy
        algorithm = try c.decodeIfPresent(TrainingAlgorithm.self, forKey: .algorithm) ?? defaults.algorithm
        presamples = try c.decodeWholeNumberIfPresent(forKey: .presamples) ?? defaults.presamples
        samplesPerPrompt = try c.decodeWholeNumberIfPresent(forKey: .samplesPerPrompt) ?? defaults.samplesPerPrompt
        alpha = try c.decodeIfPresent(Double.self, forKey: .alpha) ?? defaults.alpha
        beta = try c.decodeIfPresent(Double.self, forKey: .beta) ?? defaults.beta
        filterThreshold = try c.decodeIfPresent(Double.self, forKey: .filterThreshold) ?? defaults.filterThreshold
        filterInsufficient = try c.decodeIfPresent(Double.self, forKey: .filterInsufficient) ?? defaults.filterInsufficient
        gradNormStatistic = try c.decodeIfPresent(GradNormStatistic.self, forKey: .gradNormStatistic) ?? defaults.gradNormStatistic
        guard let promptsPerIteration = try c.decodeWholeNumberIfPresent(forKey: .promptsPerIteration) else {
            throw DecodingError.keyNotFound(
                CodingKeys.promptsPerIteration, .init(codingPath: c.codingPath, debugDescription: "is required"))
        }
        self.promptsPerIteration = promptsPerIteration
        iterations = try c.decodeWholeNumberIfPresent(forKey: .iterations) ?? defaults.iterations
        maxSamplesPerLease = try c.decodeWholeNumberIfPresent(forKey: .maxSamplesPerLease) ?? defaults.maxSamplesPerLease
        maxSamplesPerPrompt = try c.decodeWholeNumberIfPresent(forKey: .maxSamplesPerPrompt) ?? defaults.maxSamplesPerPrompt
        presampleAccounting = try c.decodeIfPresent(PresampleAccounting.self, forKey: .presampleAccounting) ?? defaults.presampleAccounting
        trainOnPresamples = try c.decodeIfPresent(Bool.self, forKey: .trainOnPresamples) ?? defaults.trainOnPresamples
        prompt = try c.decodeIfPresent(PromptTemplate.self, forKey: .prompt) ?? defaults.prompt
        generation = try c.decodeIfPresent(GenerationParameters.self, forKey: .generation) ?? defaults.generation
        verifier = try c.decodeIfPresent(VerifierName.self, forKey: .verifier) ?? defaults.verifier
        gradNorm = try c.decodeIfPresent(GradNormMode.self, forKey: .gradNorm) ?? defaults.gradNorm
        gradNormURL = try c.decodeIfPresent(String.self, forKey: .gradNormURL)
        advance = try c.decodeIfPresent(AdvanceMode.self, forKey: .advance) ?? defaults.advance
        seed = try c.decodeWholeNumberIfPresent(forKey: .seed) ?? defaults.seed
        samplerSeed = try c.decodeWholeNumberIfPresent(forKey: .samplerSeed)
        leaseSeconds = try c.decodeIfPresent(Double.self, forKey: .leaseSeconds) ?? defaults.leaseSeconds
        maxAttemptsPerUnit = try c.decodeWholeNumberIfPresent(forKey: .maxAttemptsPerUnit) ?? defaults.maxAttemptsPerUnit
        builtin = try c.decodeIfPresent(BuiltinTraining.self, forKey: .builtin)
        history = try c.decodeIfPresent(HistoryParameters.self, forKey: .history)
        knapsackFloor = try c.decodeWholeNumberIfPresent(forKey: .knapsackFloor)
        rounds = try c.decodeIfPresent(SampleRounds.self, forKey: .rounds)
        rounds?.resolve(for: algorithm)
        strategy.strategyType.resolve(&self)
    }

    /// Checks what decoding cannot; each failure names its field.
    public func validate() throws(FieldError) {
        func require(_ condition: Bool, _ field: CodingKeys, _ problem: String) throws(FieldError) {
            if !condition { throw FieldError(field: field.rawValue, problem: problem) }
        }
        // These three are stored in columns of their own and looked up by
        // value, so NUL (which SQLite would cut at) and length are checked.
        try WireText.checkName(dataset, field: CodingKeys.dataset.rawValue)
        try WireText.checkName(model, field: CodingKeys.model.rawValue)
        try WireText.checkName(modelVersion, field: CodingKeys.modelVersion.rawValue)
        // The strategy's own checks come first, where gvm's pre-sample check
        // always stood, so its refusals read as they did.
        try strategy.strategyType.validate(self)
        try require(presamples >= 0, .presamples, "must be >= 0, got \(presamples)")
        try require(samplesPerPrompt >= 1, .samplesPerPrompt, "must be at least 1, got \(samplesPerPrompt)")
        try require(alpha.isFinite && alpha >= 0, .alpha, "must be a finite number >= 0, got \(alpha)")
        try require(beta.isFinite && beta >= 1, .beta, "must be a finite number >= 1, got \(beta)")
        try require(filterThreshold.isFinite && filterThreshold >= 0, .filterThreshold, "must be >= 0 (0 disables it), got \(filterThreshold)")
        try require(filterInsufficient.isFinite && filterInsufficient >= 0, .filterInsufficient, "must be >= 0 (0 disables it), got \(filterInsufficient)")
        try require(promptsPerIteration >= 1, .promptsPerIteration, "must be at least 1, got \(promptsPerIteration)")
        try require(
            (1...RunLimits.maxIterations).contains(iterations), .iterations,
            "must be 1 to \(RunLimits.maxIterations), got \(iterations)")
        try require(maxSamplesPerLease >= 1, .maxSamplesPerLease, "must be at least 1, got \(maxSamplesPerLease)")
        try require(
            (0...1_000_000).contains(maxSamplesPerPrompt), .maxSamplesPerPrompt,
            "must be a whole number from 0 (no cap) to 1000000, got \(maxSamplesPerPrompt)")
        if presampleAccounting == .countTowardBudget {
            try require(
                !trainOnPresamples, .presampleAccounting,
                "countTowardBudget already trains on the pre-samples it counts; it cannot be combined with trainOnPresamples")
            try require(
                rounds == nil, .rounds,
                "rounds stop a prompt on its sample-stage samples, which under countTowardBudget are not all it trains on; use separate accounting")
        }
        try rounds?.validate(algorithm: algorithm, maxSamplesPerLease: maxSamplesPerLease)
        try require(
            leaseSeconds.isFinite && leaseSeconds >= 1 && leaseSeconds <= RunLimits.maxLeaseSeconds, .leaseSeconds,
            "must be 1 to \(Int(RunLimits.maxLeaseSeconds)) seconds, got \(leaseSeconds)")
        try require(
            (0...RunLimits.maxAttemptsPerUnit).contains(maxAttemptsPerUnit), .maxAttemptsPerUnit,
            "must be 0 (unlimited) to \(RunLimits.maxAttemptsPerUnit), got \(maxAttemptsPerUnit)")
        if gradNorm == .url {
            guard let gradNormURL else {
                throw FieldError(field: CodingKeys.gradNormURL.rawValue, problem: "is required when gradNorm is url")
            }
            try require(Self.isHTTPURL(gradNormURL), .gradNormURL, "must be an http:// or https:// URL, got \"\(gradNormURL)\"")
        } else {
            // A URL that would be ignored most likely means the mode was forgotten.
            try require(gradNormURL == nil, .gradNormURL, "is used only when gradNorm is url, not \(gradNorm.rawValue)")
        }
        // Bounded work per run: an iteration's work units are created in
        // one transaction, so their number is bounded too.
        try require(
            presamples <= RunLimits.maxSamplesPerPrompt, .presamples, "must be at most \(RunLimits.maxSamplesPerPrompt), got \(presamples)")
        try require(
            samplesPerPrompt <= RunLimits.maxSamplesPerPrompt, .samplesPerPrompt,
            "must be at most \(RunLimits.maxSamplesPerPrompt), got \(samplesPerPrompt)")
        try require(
            promptsPerIteration <= RunLimits.maxPromptsPerIteration, .promptsPerIteration,
            "must be at most \(RunLimits.maxPromptsPerIteration), got \(promptsPerIteration)")
        let units = RunLimits.workUnitsBound(self)
        try require(
            units <= RunLimits.maxWorkUnitsPerIteration, .maxSamplesPerLease,
            "an iteration could need up to \(units) work units (promptsPerIteration × (presamples + samplesPerPrompt) / maxSamplesPerLease); "
                + "at most \(RunLimits.maxWorkUnitsPerIteration) are allowed: raise maxSamplesPerLease or lower the others")
        if let gradNormURL {
            try WireText.check(gradNormURL, field: CodingKeys.gradNormURL.rawValue, maxBytes: 2048)
        }
        if let builtin {
            try builtin.validate()
            try require(gradNorm == .exact || gradNorm == .constant, .gradNorm, "must be exact or constant for a built-in run, got \(gradNorm.rawValue)")
            try require(advance == .auto, .advance, "must be auto for a built-in run: the coordinator trains it")
            guard generation.stop.isEmpty else {
                throw FieldError(field: "generation.stop", problem: "is not supported by the built-in model, which stops at its end-of-text token")
            }
            guard generation.extra.isEmpty else {
                throw FieldError(field: "generation.extra", problem: "engine pass-through fields mean nothing to the built-in model")
            }
            try require(prompt.completion != nil, .prompt, "a built-in run needs a completion template, such as {\"completion\": \"{problem}\\n\"}")
        } else {
            try require(gradNorm != .exact, .gradNorm, "exact needs the built-in model (set builtin)")
        }
        do {
            try prompt.validate()
        } catch {
            throw FieldError(field: "prompt." + error.field, problem: error.problem)
        }
        do {
            try generation.validate()
        } catch {
            throw FieldError(field: "generation." + error.field, problem: error.problem)
        }
    }

    /// The number of samples an iteration of `promptCount` prompts gets in
    /// its sample stage.
    public func budget(promptCount: Int) -> Int { samplesPerPrompt * promptCount }

    /// The run seed the lease seeds are derived from (`samplerSeed`).
    public var leaseSeedBase: Int { samplerSeed ?? seed }

    private static func isHTTPURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host else { return false }
        return (scheme == "http" || scheme == "https") && !host.isEmpty
    }
}

/// How the policy is trained on the samples (by the built-in trainer, or by
/// the user's trainer reading the exported traces).
public enum TrainingAlgorithm: String, Codable, Sendable, CaseIterable {
    /// Rejection sampling fine-tuning: only accepted samples are kept.
    case raft
    /// Group-relative policy optimisation: every sample returns with its reward.
    case grpo
}

/// The verifiers a run can name.
public enum VerifierName: String, Codable, Sendable, CaseIterable {
    case math
}

/// How workers estimate each accepted sample's gradient norm.
public enum GradNormMode: String, Codable, Sendable, CaseIterable {
    /// G = 1 for every sample: allocation then follows acceptance rates only.
    case constant
    /// The norm of the gradient with respect to the logits, from the
    /// engine's top log-probabilities (docs/gradient-norms.md).
    case logitProxy = "logit-proxy"
    /// Asked of the user's gradient service at the run's `gradNormURL`.
    case url
    /// The exact norm, computed by the built-in model over the run's
    /// `builtin.gradNormGroup` (built-in runs only).
    case exact
}

/// What starts the next iteration once one is done.
public enum AdvanceMode: String, Codable, Sendable, CaseIterable {
    /// The next iteration starts by itself (data generation with a fixed model).
    case auto
    /// An external trainer posts its new model version first.
    case manual
}

