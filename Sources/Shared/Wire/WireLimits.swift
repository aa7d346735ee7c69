/// The ranges every number and string a client sends must fall in. They are
/// chosen so that nothing the coordinator sums or squares can overflow at the
/// largest counts these limits allow (docs/limits.md has the table).
public enum WireLimits {
    /// A gradient norm; its square (1e24) summed over every sample a prompt
    /// can have stays far inside a Double.
    public static let maxGradNorm = 1e12
    /// |reward|.
    public static let maxReward = 1e12
    /// Tokens of one sample, and `generatedTokens` of one result: below 2^31,
    /// so sums over billions of results fit in 64 bits.
    public static let maxTokens = Int(Int32.max)
    /// One response's text, in UTF-8 bytes.
    public static let maxResponseBytes = 1 << 20
    /// One response's per-token log-probabilities.
    public static let maxLogprobs = 1 << 20
    /// One log-probability: at most a hair above 0, for engines whose
    /// float log-softmax rounds up.
    public static let logprobRange: ClosedRange<Double> = -1e6...1e-3
    /// Names: workers, models, model versions, datasets.
    public static let maxNameBytes = 256
    /// A release's reason.
    public static let maxReasonBytes = 4096
    /// The samples one lease request may ask for.
    public static let maxCapacity = 1_000_000
}

/// Checks a string a client sent before it is stored. SQLite would cut it
/// at the first NUL, so NUL is refused rather than truncated silently.
public enum WireText {
    public static func check(_ text: String, field: String, maxBytes: Int, allowEmpty: Bool = true) throws(FieldError) {
        if !allowEmpty, text.isEmpty { throw FieldError(field: field, problem: "must not be empty") }
        let bytes = text.utf8.count
        guard bytes <= maxBytes else {
            throw FieldError(field: field, problem: "must be at most \(maxBytes) bytes of UTF-8, got \(bytes)")
        }
        guard !text.utf8.contains(0) else {
            throw FieldError(field: field, problem: "must not contain NUL (U+0000)")
        }
    }

    /// A name: non-empty, bounded, and free of NUL and other control characters.
    public static func checkName(_ text: String, field: String) throws(FieldError) {
        try check(text, field: field, maxBytes: WireLimits.maxNameBytes, allowEmpty: false)
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw FieldError(field: field, problem: "must not contain control characters")
        }
    }
}
