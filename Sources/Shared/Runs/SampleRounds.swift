/// Sampling until enough (Reinforce-Ada, arXiv 2510.04996): a prompt's
/// sample-stage samples come in rounds of `size`, never more than its cap
/// (its n_i), and it stops once it has enough signal. Absent from a run's
/// configuration, the sample stage draws every n_i at once, as before.
public struct SampleRounds: Codable, Sendable, Equatable {
    /// r: samples per round; a round is one work unit.
    public var size: Int
    /// K under RAFT: a prompt stops once it has this many accepted samples.
    public var acceptedTarget: Int?
    /// Under GRPO: a prompt stops once it has this many correct samples and
    /// `wrongTarget` wrong ones.
    public var correctTarget: Int?
    public var wrongTarget: Int?

    public static let defaultSize = 4
    public static let defaultAcceptedTarget = 4
    public static let defaultCorrectTarget = 2
    public static let defaultWrongTarget = 2

    public init(size: Int = defaultSize, acceptedTarget: Int? = nil, correctTarget: Int? = nil, wrongTarget: Int? = nil) {
        self.size = size
        self.acceptedTarget = acceptedTarget
        self.correctTarget = correctTarget
        self.wrongTarget = wrongTarget
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case size, acceptedTarget, correctTarget, wrongTarget
    }

    /// Missing fields take their defaults when the run is made; unknown ones
    /// are refused.
    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        size = try c.decodeWholeNumberIfPresent(forKey: .size) ?? Self.defaultSize
        acceptedTarget = try c.decodeWholeNumberIfPresent(forKey: .acceptedTarget)
        correctTarget = try c.decodeWholeNumberIfPresent(forKey: .correctTarget)
        wrongTarget = try c.decodeWholeNumberIfPresent(forKey: .wrongTarget)
    }

    /// The targets of the run's algorithm, filled with their defaults; the
    /// other algorithm's are left as given, for `validate` to refuse.
    public mutating func resolve(for algorithm: TrainingAlgorithm) {
        switch algorithm {
        case .raft:
            if acceptedTarget == nil { acceptedTarget = Self.defaultAcceptedTarget }
        case .grpo:
            if correctTarget == nil { correctTarget = Self.defaultCorrectTarget }
            if wrongTarget == nil { wrongTarget = Self.defaultWrongTarget }
        }
    }

    /// Each failure names its field as `rounds.<field>`.
    public func validate(algorithm: TrainingAlgorithm, maxSamplesPerLease: Int) throws(FieldError) {
        func refuse(_ field: CodingKeys, _ problem: String) -> FieldError {
            FieldError(field: "rounds.\(field.rawValue)", problem: problem)
        }
        guard size >= 1, size <= maxSamplesPerLease else {
            throw refuse(.size, "must be a whole number from 1 to maxSamplesPerLease (\(maxSamplesPerLease)), since a round is one lease; got \(size)")
        }
        let targets: [(CodingKeys, Int?)] = [(.acceptedTarget, acceptedTarget), (.correctTarget, correctTarget), (.wrongTarget, wrongTarget)]
        for (field, value) in targets {
            if let value, value < 1 { throw refuse(field, "must be a whole number >= 1, got \(value)") }
        }
        switch algorithm {
        case .raft:
            if correctTarget != nil { throw refuse(.correctTarget, "is for grpo; under raft a prompt stops at acceptedTarget") }
            if wrongTarget != nil { throw refuse(.wrongTarget, "is for grpo; under raft a prompt stops at acceptedTarget") }
            if acceptedTarget == nil { throw refuse(.acceptedTarget, "is required under raft") }
        case .grpo:
            if acceptedTarget != nil { throw refuse(.acceptedTarget, "is for raft; under grpo a prompt stops at correctTarget and wrongTarget") }
            if correctTarget == nil { throw refuse(.correctTarget, "is required under grpo") }
            if wrongTarget == nil { throw refuse(.wrongTarget, "is required under grpo") }
        }
    }

    /// What a prompt has drawn in the sample stage so far.
    public struct Progress: Equatable, Sendable {
        /// Samples in every round queued so far (done or failed).
        public var drawn: Int
        /// Accepted (RAFT) or correct (GRPO) samples taken.
        public var accepted: Int
        /// Wrong samples taken.
        public var wrong: Int

        public init(drawn: Int, accepted: Int, wrong: Int) {
            self.drawn = drawn
            self.accepted = accepted
            self.wrong = wrong
        }
    }

    /// Why a prompt drew no more.
    public enum Stop: String, Equatable, Sendable, Codable, CaseIterable {
        /// The stopping rule was met.
        case enough
        /// It drew its whole cap.
        case cap
        /// A round used up its attempts (the retry budget) and was never returned.
        case failed
    }

    public enum Decision: Equatable, Sendable {
        /// Queue a round of this many samples, from sample index `drawn`.
        case next(size: Int)
        case stop(Stop)
    }

    /// The first round of a prompt with cap `cap`: nil when the cap is 0.
    public func firstRound(cap: Int) -> Int? {
        cap > 0 ? min(size, cap) : nil
    }

    /// After a round's result is in: stop, or the size of the next round.
    public func decide(cap: Int, progress: Progress) -> Decision {
        if let acceptedTarget, progress.accepted >= acceptedTarget { return .stop(.enough) }
        if let correctTarget, let wrongTarget, progress.accepted >= correctTarget, progress.wrong >= wrongTarget {
            return .stop(.enough)
        }
        guard progress.drawn < cap else { return .stop(.cap) }
        return .next(size: min(size, cap - progress.drawn))
    }
}
