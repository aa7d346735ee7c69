/// What the history window says of a prompt under GRPO
/// (`docs/allocation-strategies.md#the-window-solved-and-hopeless`).
public enum HistoryFlag: String, Sendable, Codable, CaseIterable {
    /// At least M_s samples in the window, none wrong: no budget.
    case solved
    /// At least M_h samples in the window, none correct: the floor at most.
    case hopeless

    /// The flag an estimate carries; nil when neither holds.
    public init?(_ estimate: PromptEstimate) {
        if estimate.solved {
            self = .solved
        } else if estimate.hopeless {
            self = .hopeless
        } else {
            return nil
        }
    }
}
