import Policy

/// Means over the steps of a train stage so far.
struct TrainingStatistics: Sendable, Equatable {
    private(set) var steps = 0
    private var lossSum = 0.0
    private var ratioSum = 0.0
    private var clippedSum = 0.0
    private var gradNormSum = 0.0

    mutating func add(_ step: StepStatistics) {
        steps += 1
        lossSum += step.loss
        ratioSum += step.meanRatio
        clippedSum += step.clippedFraction
        gradNormSum += step.gradNorm
    }

    var meanLoss: Double? { mean(lossSum) }
    var meanRatio: Double? { mean(ratioSum) }
    var clippedFraction: Double? { mean(clippedSum) }
    var meanGradNorm: Double? { mean(gradNormSum) }

    private func mean(_ sum: Double) -> Double? { steps > 0 ? sum / Double(steps) : nil }
}
