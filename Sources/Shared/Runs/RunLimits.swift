/// How large a run may be, so that creating it or one of its iterations is
/// bounded work, and no stored count or sum can overflow (docs/limits.md).
public enum RunLimits {
    public static let maxIterations = 1_000_000
    /// N' and samplesPerPrompt.
    public static let maxSamplesPerPrompt = 65_536
    /// An iteration's per-prompt rows (its batch, then its n_i) are written
    /// in one transaction each; at 20,000 prompts that holds the writer for
    /// about 70 ms (docs/limits.md, "Run creation"). Raising it needs those
    /// rows written in batches, as the work units are.
    public static let maxPromptsPerIteration = 20_000
    /// A lease lives at most a day without a heartbeat.
    public static let maxLeaseSeconds = 86_400.0
    /// Work units one iteration may need, pre-sampling and sampling together.
    public static let maxWorkUnitsPerIteration = 1_000_000
    public static let maxAttemptsPerUnit = 1000
    /// `generation.maxTokens`: a sample's tokens stay below 2^31 (WireLimits).
    public static let maxTokensPerSample = 1 << 20
    public static let maxStopStrings = 16
    public static let maxStopBytes = 256
    /// A prompt template's text (each chat message, or the completion).
    public static let maxTemplateBytes = 64 << 10
    public static let maxPromptMessages = 64

    /// The most work units an iteration of `configuration` can need: every
    /// prompt's pre-samples in leases of maxSamplesPerLease, and the sample
    /// stage's budget N in such leases, plus one partial lease per prompt.
    public static func workUnitsBound(_ configuration: RunConfiguration) -> Int {
        let prompts = configuration.promptsPerIteration
        let perLease = max(configuration.maxSamplesPerLease, 1)
        let presampleUnits = prompts * leases(configuration.presamplesDrawn, perLease)
        let sampleUnits = leases(prompts * configuration.samplesPerPrompt, perLease) + prompts
        return presampleUnits + sampleUnits
    }

    /// ⌈samples / perLease⌉ for samples >= 0, written so that a perLease up
    /// to Int.max cannot overflow (samples + perLease - 1 did, and trapped).
    private static func leases(_ samples: Int, _ perLease: Int) -> Int {
        samples <= 0 ? 0 : (samples - 1) / perLease + 1
    }
}
