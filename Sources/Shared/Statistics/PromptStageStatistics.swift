/// What one prompt accumulated in one stage of one iteration: the counts and
/// gradient-norm sums that p_i and G_i come from. The coordinator persists
/// exactly these fields, so sums from several leases merge without loss.
public struct PromptStageStatistics: Sendable, Equatable, Codable {
    /// Samples generated and verified.
    public var samples: Int
    /// Samples the verifier accepted.
    public var accepted: Int
    /// Sum of the gradient norms of accepted samples only.
    public var gradNormSum: Double
    /// Sum of the squared gradient norms of accepted samples only.
    public var gradNormSquareSum: Double

    public init(samples: Int = 0, accepted: Int = 0, gradNormSum: Double = 0, gradNormSquareSum: Double = 0) {
        self.samples = samples
        self.accepted = accepted
        self.gradNormSum = gradNormSum
        self.gradNormSquareSum = gradNormSquareSum
    }

    /// Counts one verified sample. A rejected sample's gradient norm is not
    /// part of G_i, so it is ignored.
    public mutating func record(accepted isAccepted: Bool, gradNorm: Double) {
        samples += 1
        guard isAccepted else { return }
        accepted += 1
        gradNormSum += gradNorm
        gradNormSquareSum += gradNorm * gradNorm
    }

    /// Adds another partial tally of the same prompt and stage.
    public mutating func merge(_ other: PromptStageStatistics) {
        samples += other.samples
        accepted += other.accepted
        gradNormSum += other.gradNormSum
        gradNormSquareSum += other.gradNormSquareSum
    }

    /// p_i: the fraction of samples accepted; 0 before any sample.
    public var acceptRate: Double {
        samples > 0 ? Double(accepted) / Double(samples) : 0
    }

    /// The reference's G_i: the mean norm over accepted samples; 0 if none.
    public var meanGradNorm: Double {
        accepted > 0 ? gradNormSum / Double(accepted) : 0
    }

    /// The theory's G_i: the root mean square norm over accepted samples; 0 if none.
    public var rmsGradNorm: Double {
        accepted > 0 ? (gradNormSquareSum / Double(accepted)).squareRoot() : 0
    }

    public func gradNorm(_ statistic: GradNormStatistic) -> Double {
        switch statistic {
        case .mean: meanGradNorm
        case .rms: rmsGradNorm
        }
    }
}

/// Which summary of the accepted samples' gradient norms stands for G_i.
public enum GradNormStatistic: String, Sendable, Codable, CaseIterable {
    /// The mean norm, as the reference code computes it (the default).
    case mean
    /// The root mean square, which is what the variance bound contains.
    case rms
}

extension AllocationRequest {
    /// The request for one iteration's batch, from its pre-sampling statistics.
    public init(
        statistics: [PromptStageStatistics], gradNormStatistic: GradNormStatistic = .mean,
        alpha: Double, beta: Double, budget: Int,
        filterThreshold: Double = 0, filterInsufficient: Double = 0, maxSamplesPerPrompt: Int = 0
    ) {
        self.init(
            gradNorms: statistics.map { $0.gradNorm(gradNormStatistic) },
            acceptRates: statistics.map(\.acceptRate),
            alpha: alpha, beta: beta, budget: budget,
            filterThreshold: filterThreshold, filterInsufficient: filterInsufficient,
            maxSamplesPerPrompt: maxSamplesPerPrompt)
    }
}
