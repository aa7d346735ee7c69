extension AllocationRequest {
    /// Checks every field a strategy relies on, so that no strategy ever sees
    /// NaN, infinities, negative norms or rates outside [0, 1].
    public func validate() throws(AllocationError) {
        guard gradNorms.count == acceptRates.count else {
            throw .invalidField(
                field: "gradNorms",
                problem: "has \(gradNorms.count) values but acceptRates has \(acceptRates.count); they must have one value per prompt")
        }
        guard !acceptRates.isEmpty else {
            throw .invalidField(field: "acceptRates", problem: "must hold at least one prompt")
        }
        for (index, norm) in gradNorms.enumerated() where !(norm.isFinite && norm >= 0) {
            throw .invalidField(field: "gradNorms[\(index)]", problem: "must be a finite number >= 0, got \(norm)")
        }
        for (index, rate) in acceptRates.enumerated() where !(rate >= 0 && rate <= 1) {
            throw .invalidField(field: "acceptRates[\(index)]", problem: "must be in [0, 1], got \(rate)")
        }
        guard alpha.isFinite, alpha >= 0 else {
            throw .invalidField(field: "alpha", problem: "must be a finite number >= 0, got \(alpha)")
        }
        guard beta.isFinite, beta >= 1 else {
            throw .invalidField(field: "beta", problem: "must be a finite number >= 1, got \(beta)")
        }
        guard budget >= 0 else {
            throw .invalidField(field: "budget", problem: "must be a whole number >= 0, got \(budget)")
        }
        guard filterThreshold.isFinite, filterThreshold >= 0 else {
            throw .invalidField(field: "filterThreshold", problem: "must be a finite number >= 0 (0 disables it), got \(filterThreshold)")
        }
        guard maxSamplesPerPrompt >= 0 else {
            throw .invalidField(field: "maxSamplesPerPrompt", problem: "must be a whole number >= 0 (0 means no cap), got \(maxSamplesPerPrompt)")
        }
        guard filterInsufficient.isFinite, filterInsufficient >= 0 else {
            throw .invalidField(field: "filterInsufficient", problem: "must be a finite number >= 0 (0 disables it), got \(filterInsufficient)")
        }
        for (field, flags) in [("solved", solved), ("hopeless", hopeless)] where !flags.isEmpty && flags.count != promptCount {
            throw .invalidField(
                field: field, problem: "has \(flags.count) values for \(promptCount) prompts; give one per prompt, or none")
        }
        for i in 0..<promptCount where isSolved(i) && isHopeless(i) {
            throw .invalidField(field: "hopeless[\(i)]", problem: "a prompt cannot be both solved and hopeless")
        }
    }
}
