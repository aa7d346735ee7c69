import Foundation

/// The JSON document `gvm-coordinator allocate` reads: the input fields of a
/// case in `allocation-vectors.json` or `strategy-vectors.json`, and, with a
/// history file, the fields that say how to read it. Unknown keys are
/// refused, so that a misspelt `maxSamplePerPrompt` cannot silently mean "no cap".
public struct AllocateInput: Sendable, Equatable {
    public var strategy: String?
    /// Required without a history file; computed from it with one.
    public var gradNorms: [Double]?
    public var acceptRates: [Double]?
    public var alpha: Double?
    public var beta: Double?
    /// Read as a number so that a fractional budget is reported as such.
    public var budget: Double
    public var filterThreshold: Double?
    public var filterInsufficient: Double?
    /// C, read as a number for the same reason; absent or 0 means no cap.
    public var maxSamplesPerPrompt: Double?
    /// Without a history file: the prompts `knapsack` and `variance` treat
    /// as solved and hopeless.
    public var solved: [Bool]?
    public var hopeless: [Bool]?
    public var knapsackFloor: Double?
    /// With a history file: the iteration being allocated, its prompts (dataset
    /// positions, in batch order), the algorithm (the window's flags apply
    /// under `grpo` only), N' and the history's parameters.
    public var iteration: Double?
    public var promptIds: [Double]?
    public var algorithm: String?
    public var presamples: Double?
    public var history: [String: Double]

    /// Every key the document may have, and what it holds.
    public static let fields: [String: FlatJSONKind] = {
        var fields: [String: FlatJSONKind] = [
            "strategy": .string,
            "gradNorms": .numberArray,
            "acceptRates": .numberArray,
            "alpha": .number,
            "beta": .number,
            "budget": .number,
            "filterThreshold": .number,
            "filterInsufficient": .number,
            "maxSamplesPerPrompt": .number,
            "solved": .booleanArray,
            "hopeless": .booleanArray,
            "knapsackFloor": .number,
            "iteration": .number,
            "promptIds": .numberArray,
            "algorithm": .string,
            "presamples": .number,
        ]
        for key in historyKeys { fields[key] = .number }
        return fields
    }()

    /// The history's parameters, by their names in a run configuration's `history`.
    public static let historyKeys = ["decay", "priorStrength", "sigmaMax", "historyWindow", "solvedMinSamples", "hopelessMinSamples"]

    public init(
        strategy: String? = nil, gradNorms: [Double]? = nil, acceptRates: [Double]? = nil,
        alpha: Double? = nil, beta: Double? = nil, budget: Double,
        filterThreshold: Double? = nil, filterInsufficient: Double? = nil,
        maxSamplesPerPrompt: Double? = nil, solved: [Bool]? = nil, hopeless: [Bool]? = nil, knapsackFloor: Double? = nil,
        iteration: Double? = nil, promptIds: [Double]? = nil, algorithm: String? = nil, presamples: Double? = nil,
        history: [String: Double] = [:]
    ) {
        self.strategy = strategy
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
        self.iteration = iteration
        self.promptIds = promptIds
        self.algorithm = algorithm
        self.presamples = presamples
        self.history = history
    }

    /// Reads the document with `FlatJSONReader`: JSONDecoder takes seconds on
    /// 10^6-prompt arrays. Every failure names its field, or the byte offset
    /// for text that is not JSON.
    public init(json: Data) throws(FieldError) {
        let object = try FlatJSONReader.read(json, fields: Self.fields)
        var history: [String: Double] = [:]
        for key in Self.historyKeys { history[key] = object.number(key) }
        self.init(
            strategy: object.string("strategy"),
            gradNorms: object.numberArray("gradNorms"),
            acceptRates: object.numberArray("acceptRates"),
            alpha: object.number("alpha"),
            beta: object.number("beta"),
            budget: try object.requiredNumber("budget"),
            filterThreshold: object.number("filterThreshold"),
            filterInsufficient: object.number("filterInsufficient"),
            maxSamplesPerPrompt: object.number("maxSamplesPerPrompt"),
            solved: object.booleanArray("solved"),
            hopeless: object.booleanArray("hopeless"),
            knapsackFloor: object.number("knapsackFloor"),
            iteration: object.number("iteration"),
            promptIds: object.numberArray("promptIds"),
            algorithm: object.string("algorithm"),
            presamples: object.number("presamples"),
            history: history)
    }

    /// What to run: the strategy, its request, and with a history file the
    /// estimates the request was made from.
    public struct Job: Sendable, Equatable {
        public var strategy: AllocationStrategyName
        public var request: AllocationRequest
        public var estimates: [PromptEstimate]?
        /// N': what an uncertain prompt is pre-sampled with.
        public var presamples: Int = 0
    }

    /// The strategy and the request it should run on, after checking the
    /// fields that reading alone cannot (strategy name, whole budget and cap).
    /// Value checks (ranges, lengths) belong to `AllocationRequest.validate`.
    public func resolved() throws(FieldError) -> (AllocationStrategyName, AllocationRequest) {
        let job = try resolved(history: nil)
        return (job.strategy, job.request)
    }

    /// The same, with p_i, G_i and the flags from `history` when it is given.
    public func resolved(history: AllocateHistoryInput?) throws(FieldError) -> Job {
        let name = strategy ?? AllocationStrategyName.gvm.rawValue
        guard let strategyName = AllocationStrategyName(rawValue: name) else {
            let known = AllocationStrategyName.allCases.map(\.rawValue).joined(separator: ", ")
            throw FieldError(field: "strategy", problem: "unknown strategy \"\(name)\"; expected one of \(known)")
        }
        let wholeBudget = try Self.wholeNumber(budget, field: "budget")
        let cap = try Self.wholeNumber(maxSamplesPerPrompt ?? 0, field: "maxSamplesPerPrompt")
        let floor = try Self.wholeNumber(knapsackFloor ?? Double(KnapsackAllocation.defaultFloor), field: "knapsackFloor")
        var request = AllocationRequest(
            gradNorms: [], acceptRates: [], alpha: alpha ?? 1e-3, beta: beta ?? 2, budget: wholeBudget,
            filterThreshold: filterThreshold ?? 0, filterInsufficient: filterInsufficient ?? 0,
            maxSamplesPerPrompt: cap, knapsackFloor: floor)
        guard let history else {
            for (key, given) in [
                ("iteration", iteration != nil), ("promptIds", promptIds != nil), ("algorithm", algorithm != nil),
                ("presamples", presamples != nil),
            ] + Self.historyKeys.map({ ($0, self.history[$0] != nil) }) where given {
                throw FieldError(field: key, problem: "is read only with a history file (--history)")
            }
            guard let gradNorms else { throw FieldError(field: "gradNorms", problem: "is required") }
            guard let acceptRates else { throw FieldError(field: "acceptRates", problem: "is required") }
            request.gradNorms = gradNorms
            request.acceptRates = acceptRates
            request.solved = solved ?? []
            request.hopeless = hopeless ?? []
            return Job(strategy: strategyName, request: request, estimates: nil)
        }

        for (key, given) in [
            ("gradNorms", gradNorms != nil), ("acceptRates", acceptRates != nil), ("solved", solved != nil),
            ("hopeless", hopeless != nil),
        ] where given {
            throw FieldError(field: key, problem: "comes from the history file; leave it out")
        }
        guard let iteration else { throw FieldError(field: "iteration", problem: "is required with a history file") }
        let current = try Self.wholeNumber(iteration, field: "iteration")
        guard let promptIds, !promptIds.isEmpty else {
            throw FieldError(field: "promptIds", problem: "is required with a history file, one dataset position per prompt")
        }
        var prompts: [Int] = []
        for (index, value) in promptIds.enumerated() {
            prompts.append(try Self.wholeNumber(value, field: "promptIds[\(index)]"))
        }
        let algorithmName = algorithm ?? TrainingAlgorithm.raft.rawValue
        guard let trainingAlgorithm = TrainingAlgorithm(rawValue: algorithmName) else {
            throw FieldError(field: "algorithm", problem: "must be raft or grpo, got \"\(algorithmName)\"")
        }
        let parameters = try historyParameters()
        let presampleCount = try Self.wholeNumber(presamples ?? 8, field: "presamples")
        let estimates = HistoryStatistics.estimates(
            prompts: prompts, records: history.records, currentIteration: current, level: { history.levels[$0] },
            parameters: parameters, presamples: presampleCount)
        let flagsApply = trainingAlgorithm == .grpo
        request.gradNorms = estimates.map(\.gradNorm)
        request.acceptRates = estimates.map(\.mean)
        request.solved = flagsApply ? estimates.map(\.solved) : []
        request.hopeless = flagsApply ? estimates.map(\.hopeless) : []
        return Job(strategy: strategyName, request: request, estimates: estimates, presamples: presampleCount)
    }

    /// The history's parameters: the defaults, with what the document gives.
    func historyParameters() throws(FieldError) -> HistoryParameters {
        var parameters = HistoryParameters.defaults
        if let value = history["decay"] { parameters.decay = value }
        if let value = history["priorStrength"] { parameters.priorStrength = value }
        if let value = history["sigmaMax"] { parameters.sigmaMax = value }
        if let value = history["historyWindow"] { parameters.historyWindow = try Self.wholeNumber(value, field: "historyWindow") }
        if let value = history["solvedMinSamples"] {
            parameters.solvedMinSamples = try Self.wholeNumber(value, field: "solvedMinSamples")
        }
        if let value = history["hopelessMinSamples"] {
            parameters.hopelessMinSamples = try Self.wholeNumber(value, field: "hopelessMinSamples")
        }
        do {
            try parameters.validate()
        } catch {
            // The document names them flat, not under `history.`.
            throw FieldError(field: String(error.field.dropFirst("history.".count)), problem: error.problem)
        }
        return parameters
    }

    private static func wholeNumber(_ value: Double, field: String) throws(FieldError) -> Int {
        guard value.isFinite, value >= 0, let whole = Int(exactly: value) else {
            throw FieldError(field: field, problem: "must be a whole number >= 0, got \(value)")
        }
        return whole
    }
}
