/// Whether an iteration's pre-samples count toward its budget N (the two
/// pipelines of the reference code, `docs/allocation-rule.md`).
public enum PresampleAccounting: String, Codable, Sendable, CaseIterable {
    /// The main pipeline: the sample stage generates all n_i samples afresh;
    /// pre-samples only estimate p_i and G_i (and are trained on only with
    /// `trainOnPresamples`). The default.
    case separate
    /// The offline stage-2 sampler: prompt i gets max(n_i - N', 0) new
    /// samples and trains on its first n_i samples, the new ones first and
    /// then its pre-samples in index order. N then counts the samples trained
    /// on, and generation costs m * N' + sum max(n_i - N', 0).
    case countTowardBudget

    /// The samples the sample stage generates for a prompt allocated n_i.
    public func newSamples(allocated: Int, presamples: Int) -> Int {
        switch self {
        case .separate: allocated
        case .countTowardBudget: max(allocated - presamples, 0)
        }
    }

    /// How many of a prompt's pre-samples, the first by sample index, it is
    /// trained on.
    public func presamplesTrainedOn(allocated: Int, presamples: Int, trainOnPresamples: Bool) -> Int {
        switch self {
        case .separate: trainOnPresamples ? presamples : 0
        case .countTowardBudget: allocated - newSamples(allocated: allocated, presamples: presamples)
        }
    }

    /// What an allocated iteration costs in generation, pre-sampling counted:
    /// the N' pre-samples of each of its `counts.count` prompts and the
    /// sample stage's new samples.
    public func generationBudget(counts: [Int], presamples: Int) -> Int {
        generationBudget(counts: counts, presampleCounts: Array(repeating: presamples, count: counts.count))
    }

    /// The same, when each prompt has pre-samples of its own (history
    /// statistics pre-sample only the prompts they are unsure of).
    public func generationBudget(counts: [Int], presampleCounts: [Int]) -> Int {
        zip(counts, presampleCounts).reduce(0) { $0 + $1.1 + newSamples(allocated: $1.0, presamples: $1.1) }
    }
}
