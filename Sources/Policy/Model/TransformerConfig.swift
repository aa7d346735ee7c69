/// The shape of the built-in transformer. Every buffer size, the weights file
/// header and the FLOP estimate derive from these five numbers.
public struct TransformerConfig: Codable, Sendable, Equatable {
    /// Tokens in the vocabulary (rows of the embedding, columns of the head).
    public var vocabSize: Int
    /// Positions the model attends over (rows of the position embedding).
    public var contextLength: Int
    /// Channels of the residual stream (C).
    public var width: Int
    /// Transformer blocks (L).
    public var layers: Int
    /// Attention heads per block (NH); width must be a multiple of it.
    public var heads: Int

    public init(vocabSize: Int = Vocabulary.size, contextLength: Int, width: Int, layers: Int, heads: Int) {
        self.vocabSize = vocabSize
        self.contextLength = contextLength
        self.width = width
        self.layers = layers
        self.heads = heads
    }

    /// For tests: small enough that a finite-difference check of every
    /// parameter tensor runs in a debug build in well under a second.
    public static let tiny = TransformerConfig(contextLength: 16, width: 16, layers: 2, heads: 2)

    /// The default built-in model, the one `gvm-model warm-start` creates and
    /// `make demo` runs: big enough to learn the arithmetic tasks' chains of
    /// thought, small enough to warm-start in about two minutes on 2 cores.
    public static let builtinDefault = TransformerConfig(contextLength: 128, width: 96, layers: 3, heads: 4)

    /// A larger reference size, for the speed benchmark and tests.
    public static let standard = TransformerConfig(contextLength: 128, width: 128, layers: 4, heads: 4)

    /// Upper bounds that keep every buffer size comfortably inside Int32
    /// (the CBLAS dimension type) and the weights header's UInt32 fields.
    public static let maximumVocabSize = 65_536
    public static let maximumContextLength = 8_192
    public static let maximumWidth = 8_192
    public static let maximumLayers = 256

    /// Channels per head (hs).
    public var headSize: Int { width / heads }

    public func validate() throws(TransformerConfigError) {
        func check(_ value: Int, _ field: String, max: Int) throws(TransformerConfigError) {
            guard value >= 1 else { throw TransformerConfigError(field: field, problem: "must be at least 1, got \(value)") }
            guard value <= max else { throw TransformerConfigError(field: field, problem: "must be at most \(max), got \(value)") }
        }
        try check(vocabSize, "vocabSize", max: Self.maximumVocabSize)
        try check(contextLength, "contextLength", max: Self.maximumContextLength)
        try check(width, "width", max: Self.maximumWidth)
        try check(layers, "layers", max: Self.maximumLayers)
        try check(heads, "heads", max: width)
        guard width % heads == 0 else {
            throw TransformerConfigError(field: "width", problem: "must be divisible by heads (\(heads)), got \(width)")
        }
    }

    /// Number of float32 parameters (see ParameterTensors for the list).
    public var parameterCount: Int { ParameterTensors.totalCount(self) }
}

/// A configuration field holding a value the model cannot be built with.
public struct TransformerConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public let field: String
    public let problem: String
    public var description: String { "transformer configuration: \(field) \(problem)" }
}
