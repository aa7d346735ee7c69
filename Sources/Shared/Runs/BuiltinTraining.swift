import Foundation

/// A run on the built-in model (`RunConfiguration.builtin`): the coordinator
/// keeps its weights, trains them in each iteration's `train` stage,
/// evaluates them in `evaluate`, and publishes the next version.
public struct BuiltinTraining: Codable, Sendable, Equatable {
    /// The version-0 weights file, a path on the coordinator's machine
    /// (written by `gvm-model warm-start`). Read once, when the run is created.
    public var weights: String
    /// The imported dataset whose prompts measure test accuracy.
    public var testDataset: String
    /// How many of the test prompts to evaluate (from the first); 0 means all.
    public var testPrompts: Int
    /// Optimiser steps in each iteration's `train` stage, whatever the data.
    /// At most one of this and `epochsPerIteration` is given; neither means
    /// 8 steps (`trainingSteps`).
    public var stepsPerIteration: Int?
    /// Passes over the iteration's training sequences in each `train` stage,
    /// so the steps follow the data: ⌈epochs · sequences / batchSize⌉.
    public var epochsPerIteration: Int?
    /// Sequences in each optimiser step's minibatch.
    public var batchSize: Int
    public var learningRate: Double
    /// PPO-style clipping of the importance ratio: [1 - clip, 1 + clip].
    public var clip: Double
    /// Global gradient-norm clipping before each step.
    public var maxGradNorm: Double
    /// Which parameters the exact per-sample gradient norm G is taken over.
    public var gradNormGroup: ParameterGroupName
    /// `raft` only: weight each accepted sample by 1/(its prompt's accepted
    /// count), so every prompt with an accepted sample counts equally, as in
    /// the unbiased estimator of the spec (sum over prompts of 1/(n_i p_i)
    /// times the accepted gradients, with p_i estimated in-sample). Off, as in
    /// the reference's RAFT++, the pooled samples count equally, so a prompt
    /// counts in proportion to n_i p_i.
    public var balancePrompts: Bool
    /// The share of each prompt's samples the trainer keeps, chosen at random
    /// (`TraceSubsample`); absent keeps them all. A control for benchmarks:
    /// uniform at 2n that trains on half learns as uniform at n does while
    /// paying for 2n, so its samples-to-target ratio must come out near 2.
    public var trainingFraction: Double?

    public init(
        weights: String, testDataset: String, testPrompts: Int = 0, stepsPerIteration: Int? = nil,
        epochsPerIteration: Int? = nil, batchSize: Int = 32,
        learningRate: Double = 1e-4, clip: Double = 0.2, maxGradNorm: Double = 1, gradNormGroup: ParameterGroupName = .embedding,
        balancePrompts: Bool = false, trainingFraction: Double? = nil
    ) {
        self.weights = weights
        self.testDataset = testDataset
        self.testPrompts = testPrompts
        self.stepsPerIteration = stepsPerIteration
        self.epochsPerIteration = epochsPerIteration
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.clip = clip
        self.maxGradNorm = maxGradNorm
        self.gradNormGroup = gradNormGroup
        self.balancePrompts = balancePrompts
        self.trainingFraction = trainingFraction
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case weights, testDataset, testPrompts, stepsPerIteration, epochsPerIteration, batchSize, learningRate, clip
        case maxGradNorm, gradNormGroup, balancePrompts, trainingFraction
    }

    /// How many steps each train stage takes. A configuration with neither
    /// `stepsPerIteration` nor `epochsPerIteration` means 8 steps, as every
    /// stored configuration did before epochs existed; absent fields stay
    /// absent when it is encoded again, so a stored one keeps its meaning.
    public var trainingSteps: TrainingSteps {
        if let epochsPerIteration { return .epochs(epochsPerIteration) }
        return .fixed(stepsPerIteration ?? TrainingSteps.defaultSteps)
    }

    /// Missing fields take their defaults (`stepsPerIteration` and
    /// `epochsPerIteration` stay absent); unknown fields are refused.
    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = BuiltinTraining(weights: "", testDataset: "")
        weights = try c.decode(String.self, forKey: .weights)
        testDataset = try c.decode(String.self, forKey: .testDataset)
        testPrompts = try c.decodeWholeNumberIfPresent(forKey: .testPrompts) ?? defaults.testPrompts
        stepsPerIteration = try c.decodeWholeNumberIfPresent(forKey: .stepsPerIteration)
        epochsPerIteration = try c.decodeWholeNumberIfPresent(forKey: .epochsPerIteration)
        batchSize = try c.decodeWholeNumberIfPresent(forKey: .batchSize) ?? defaults.batchSize
        learningRate = try c.decodeIfPresent(Double.self, forKey: .learningRate) ?? defaults.learningRate
        clip = try c.decodeIfPresent(Double.self, forKey: .clip) ?? defaults.clip
        maxGradNorm = try c.decodeIfPresent(Double.self, forKey: .maxGradNorm) ?? defaults.maxGradNorm
        gradNormGroup = try c.decodeIfPresent(ParameterGroupName.self, forKey: .gradNormGroup) ?? defaults.gradNormGroup
        balancePrompts = try c.decodeIfPresent(Bool.self, forKey: .balancePrompts) ?? defaults.balancePrompts
        trainingFraction = try c.decodeIfPresent(Double.self, forKey: .trainingFraction)
    }

    /// Each failure names its field under `builtin.`.
    public func validate() throws(FieldError) {
        func require(_ condition: Bool, _ field: CodingKeys, _ problem: String) throws(FieldError) {
            if !condition { throw FieldError(field: "builtin." + field.rawValue, problem: problem) }
        }
        try require(!weights.isEmpty, .weights, "must name the version-0 weights file")
        try require(!testDataset.isEmpty, .testDataset, "must name an imported dataset")
        try require(testPrompts >= 0, .testPrompts, "must be >= 0 (0 means all), got \(testPrompts)")
        if let stepsPerIteration {
            try require(
                (1...100_000).contains(stepsPerIteration), .stepsPerIteration, "must be 1 to 100000, got \(stepsPerIteration)")
        }
        if let epochsPerIteration {
            try require(
                stepsPerIteration == nil, .epochsPerIteration,
                "cannot be given with builtin.stepsPerIteration: the steps follow either the data or the count")
            try require((1...1000).contains(epochsPerIteration), .epochsPerIteration, "must be 1 to 1000, got \(epochsPerIteration)")
        }
        try require((1...4096).contains(batchSize), .batchSize, "must be 1 to 4096, got \(batchSize)")
        try require(learningRate.isFinite && learningRate > 0 && learningRate < 1, .learningRate, "must be in (0, 1), got \(learningRate)")
        try require(clip.isFinite && clip > 0 && clip < 1, .clip, "must be in (0, 1), got \(clip)")
        try require(maxGradNorm.isFinite && maxGradNorm > 0, .maxGradNorm, "must be > 0, got \(maxGradNorm)")
        if let trainingFraction {
            try require(
                trainingFraction.isFinite && trainingFraction > 0 && trainingFraction <= 1, .trainingFraction,
                "must be in (0, 1], got \(trainingFraction)")
        }
    }
}

/// How many optimiser steps a train stage takes (`BuiltinTraining.trainingSteps`).
public enum TrainingSteps: Equatable, Sendable {
    /// `stepsPerIteration`: this many, whatever the data.
    case fixed(Int)
    /// `epochsPerIteration`: this many passes over the training sequences.
    case epochs(Int)

    /// What a configuration with neither field means.
    public static let defaultSteps = 8

    /// The steps of a stage with `sequences` training sequences: ⌈epochs ·
    /// sequences / batchSize⌉ for epochs (0 without sequences, so at least 1
    /// with one); the fixed count otherwise (a stage without sequences takes
    /// none, and says so, in the trainer).
    public func steps(sequences: Int, batchSize: Int) -> Int {
        switch self {
        case .fixed(let steps):
            return steps
        case .epochs(let epochs):
            let slots = epochs * sequences
            return (slots + batchSize - 1) / batchSize
        }
    }
}

/// The parameters an exact gradient norm is taken over (the built-in model's
/// `ParameterGroup`, named here so the wire types need no model).
public enum ParameterGroupName: String, Codable, Sendable, CaseIterable {
    /// The token embedding matrix only, as the paper's reference does.
    case embedding
    /// The output head.
    case head
    /// Every parameter.
    case all
}

/// What a worker needs to run a lease on the built-in model.
public struct BuiltinLeaseInfo: Codable, Sendable, Equatable {
    /// Path of the weights on the coordinator, e.g. `/v1/runs/1/weights/3`
    /// (`GET` answers the weights file's bytes).
    public var weightsPath: String
    /// Lower-case hex SHA-256 of those bytes: workers cache weights by it.
    public var weightsSHA256: String
    public var gradNormGroup: ParameterGroupName

    public init(weightsPath: String, weightsSHA256: String, gradNormGroup: ParameterGroupName) {
        self.weightsPath = weightsPath
        self.weightsSHA256 = weightsSHA256
        self.gradNormGroup = gradNormGroup
    }
}
