/// How a run turns each prompt's earlier samples into p_i and G_i
/// (`docs/allocation-strategies.md#history-statistics`). Stored resolved with
/// the run, so later defaults never change a run already made.
public struct HistoryParameters: Codable, Sendable, Equatable {
    /// λ: the weight of the previous iteration's counts, in (0, 1].
    public var decay: Double
    /// s: the prior's strength in pseudo-samples, > 0.
    public var priorStrength: Double
    /// σ_max: a prompt is pre-sampled only when its posterior sd is above this.
    public var sigmaMax: Double
    /// W: the iterations whose raw samples decide solved and hopeless.
    public var historyWindow: Int
    /// M_s: the fewest samples in the window, all correct, that make a prompt solved.
    public var solvedMinSamples: Int
    /// M_h: the fewest samples in the window, all wrong, that make a prompt hopeless.
    public var hopelessMinSamples: Int

    public static let defaults = HistoryParameters(
        decay: 0.9, priorStrength: 2, sigmaMax: 0.15, historyWindow: 2, solvedMinSamples: 8, hopelessMinSamples: 8)

    public init(
        decay: Double, priorStrength: Double, sigmaMax: Double,
        historyWindow: Int, solvedMinSamples: Int, hopelessMinSamples: Int
    ) {
        self.decay = decay
        self.priorStrength = priorStrength
        self.sigmaMax = sigmaMax
        self.historyWindow = historyWindow
        self.solvedMinSamples = solvedMinSamples
        self.hopelessMinSamples = hopelessMinSamples
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case decay, priorStrength, sigmaMax, historyWindow, solvedMinSamples, hopelessMinSamples
    }

    /// Missing fields take their defaults; unknown ones are refused.
    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self.defaults
        decay = try c.decodeIfPresent(Double.self, forKey: .decay) ?? d.decay
        priorStrength = try c.decodeIfPresent(Double.self, forKey: .priorStrength) ?? d.priorStrength
        sigmaMax = try c.decodeIfPresent(Double.self, forKey: .sigmaMax) ?? d.sigmaMax
        historyWindow = try c.decodeWholeNumberIfPresent(forKey: .historyWindow) ?? d.historyWindow
        solvedMinSamples = try c.decodeWholeNumberIfPresent(forKey: .solvedMinSamples) ?? d.solvedMinSamples
        hopelessMinSamples = try c.decodeWholeNumberIfPresent(forKey: .hopelessMinSamples) ?? d.hopelessMinSamples
    }

    /// Each failure names its field as `history.<field>`.
    public func validate() throws(FieldError) {
        func require(_ condition: Bool, _ field: CodingKeys, _ problem: String) throws(FieldError) {
            if !condition { throw FieldError(field: "history.\(field.rawValue)", problem: problem) }
        }
        try require(decay > 0 && decay <= 1, .decay, "must be in (0, 1], got \(decay)")
        try require(priorStrength.isFinite && priorStrength > 0, .priorStrength, "must be a finite number > 0, got \(priorStrength)")
        try require(sigmaMax.isFinite && sigmaMax >= 0, .sigmaMax, "must be a finite number >= 0, got \(sigmaMax)")
        try require(historyWindow >= 1 && historyWindow <= 1_000, .historyWindow, "must be a whole number from 1 to 1000, got \(historyWindow)")
        try require(solvedMinSamples >= 1, .solvedMinSamples, "must be a whole number >= 1, got \(solvedMinSamples)")
        try require(hopelessMinSamples >= 1, .hopelessMinSamples, "must be a whole number >= 1, got \(hopelessMinSamples)")
    }

    /// For strategies that read p_i from the history: the run must carry
    /// valid history parameters.
    public static func require(_ configuration: RunConfiguration, strategy: String) throws(FieldError) {
        guard let history = configuration.history else {
            throw FieldError(field: RunConfiguration.CodingKeys.history.rawValue, problem: "is required for strategy \(strategy)")
        }
        try history.validate()
    }
}
