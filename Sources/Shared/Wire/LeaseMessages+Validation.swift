/// The checks a request of the worker protocol must pass before the store
/// sees it. Each failure names its field.
extension LeaseRequest {
    public func validate() throws(FieldError) {
        try WireText.checkName(workerName, field: "workerName")
        try WireText.checkName(model, field: "model")
        guard (1...WireLimits.maxCapacity).contains(capacity) else {
            throw FieldError(field: "capacity", problem: "must be 1 to \(WireLimits.maxCapacity) samples, got \(capacity)")
        }
    }
}

extension LeaseRelease {
    public func validate() throws(FieldError) {
        try WireText.check(reason, field: "reason", maxBytes: WireLimits.maxReasonBytes)
    }
}

extension LeaseResult {
    /// A result must account for exactly the lease's samples, with every
    /// value in range.
    public func validate(firstSampleIndex: Int, sampleCount: Int, algorithm: TrainingAlgorithm) throws(FieldError) {
        if let tokens = generatedTokens, !(0...WireLimits.maxTokens).contains(tokens) {
            throw FieldError(field: "generatedTokens", problem: "must be 0 to \(WireLimits.maxTokens), got \(tokens)")
        }
        guard generated == sampleCount else {
            throw FieldError(field: "generated", problem: "must equal the lease's \(sampleCount) samples, got \(generated)")
        }
        if algorithm == .grpo, samples.count != sampleCount {
            throw FieldError(
                field: "samples", problem: "grpo needs every sample with its reward: expected \(sampleCount), got \(samples.count)")
        }
        guard samples.count <= sampleCount else {
            throw FieldError(field: "samples", problem: "holds \(samples.count) samples but the lease has \(sampleCount)")
        }
        let range = firstSampleIndex..<(firstSampleIndex + sampleCount)
        var seen = Set<Int>()
        for (index, sample) in samples.enumerated() {
            let field = "samples[\(index)]"
            guard range.contains(sample.sampleIndex) else {
                throw FieldError(
                    field: "\(field).sampleIndex",
                    problem: "must be in \(range.lowerBound)..<\(range.upperBound), got \(sample.sampleIndex)")
            }
            guard seen.insert(sample.sampleIndex).inserted else {
                throw FieldError(field: "\(field).sampleIndex", problem: "\(sample.sampleIndex) appears twice")
            }
            guard sample.reward.isFinite, abs(sample.reward) <= WireLimits.maxReward else {
                throw FieldError(field: "\(field).reward", problem: "must be a finite number within ±\(WireLimits.maxReward)")
            }
            if let norm = sample.gradNorm, !(norm.isFinite && norm >= 0 && norm <= WireLimits.maxGradNorm) {
                throw FieldError(field: "\(field).gradNorm", problem: "must be 0 to \(WireLimits.maxGradNorm), got \(norm)")
            }
            if sample.accepted, sample.gradNorm == nil {
                throw FieldError(field: "\(field).gradNorm", problem: "an accepted sample needs a gradient norm (0 to \(WireLimits.maxGradNorm))")
            }
            guard (0...WireLimits.maxTokens).contains(sample.completionTokens) else {
                throw FieldError(
                    field: "\(field).completionTokens", problem: "must be 0 to \(WireLimits.maxTokens), got \(sample.completionTokens)")
            }
            try WireText.check(sample.response, field: "\(field).response", maxBytes: WireLimits.maxResponseBytes)
            if let logprobs = sample.tokenLogprobs {
                guard logprobs.count <= WireLimits.maxLogprobs else {
                    throw FieldError(field: "\(field).tokenLogprobs", problem: "must hold at most \(WireLimits.maxLogprobs) values")
                }
                if let bad = logprobs.firstIndex(where: { !WireLimits.logprobRange.contains($0) }) {
                    throw FieldError(
                        field: "\(field).tokenLogprobs[\(bad)]",
                        problem: "must be a log-probability in \(WireLimits.logprobRange), got \(logprobs[bad])")
                }
            }
        }
    }
}
