/// One named tensor of the flat parameter buffer.
public struct ParameterTensorInfo: Sendable, Equatable {
    public let name: String
    /// Offset in floats from the start of the buffer.
    public let offset: Int
    public let count: Int
    /// Matrices (embeddings, projections, the head) are weight-decayed;
    /// biases and LayerNorm gains are not (AdamW).
    public let isMatrix: Bool
}

/// Pointers into one flat buffer of parameters or of their gradients, as in
/// llm.c's ParameterTensors. The order below is the order of the weights file.
/// Per-layer tensors hold all L layers back to back; matrices are stored
/// (out, in) row-major, so a linear layer computes inp · Wᵀ.
struct ParameterTensors {
    var wte: UnsafeMutablePointer<Float>      // (V, C) token embedding
    var wpe: UnsafeMutablePointer<Float>      // (maxT, C) position embedding
    var ln1w: UnsafeMutablePointer<Float>     // (L, C)
    var ln1b: UnsafeMutablePointer<Float>     // (L, C)
    var qkvw: UnsafeMutablePointer<Float>     // (L, 3C, C)
    var qkvb: UnsafeMutablePointer<Float>     // (L, 3C)
    var attprojw: UnsafeMutablePointer<Float> // (L, C, C)
    var attprojb: UnsafeMutablePointer<Float> // (L, C)
    var ln2w: UnsafeMutablePointer<Float>     // (L, C)
    var ln2b: UnsafeMutablePointer<Float>     // (L, C)
    var fcw: UnsafeMutablePointer<Float>      // (L, 4C, C)
    var fcb: UnsafeMutablePointer<Float>      // (L, 4C)
    var fcprojw: UnsafeMutablePointer<Float>  // (L, C, 4C)
    var fcprojb: UnsafeMutablePointer<Float>  // (L, C)
    var lnfw: UnsafeMutablePointer<Float>     // (C)
    var lnfb: UnsafeMutablePointer<Float>     // (C)
    var headw: UnsafeMutablePointer<Float>    // (V, C) output head, untied from wte
    var headb: UnsafeMutablePointer<Float>    // (V)

    /// The tensors in buffer order with their sizes.
    static func layout(_ config: TransformerConfig) -> [ParameterTensorInfo] {
        let V = config.vocabSize, maxT = config.contextLength, C = config.width, L = config.layers
        let sizes: [(String, Int, Bool)] = [
            ("wte", V * C, true), ("wpe", maxT * C, true),
            ("ln1w", L * C, false), ("ln1b", L * C, false),
            ("qkvw", L * 3 * C * C, true), ("qkvb", L * 3 * C, false),
            ("attprojw", L * C * C, true), ("attprojb", L * C, false),
            ("ln2w", L * C, false), ("ln2b", L * C, false),
            ("fcw", L * 4 * C * C, true), ("fcb", L * 4 * C, false),
            ("fcprojw", L * C * 4 * C, true), ("fcprojb", L * C, false),
            ("lnfw", C, false), ("lnfb", C, false),
            ("headw", V * C, true), ("headb", V, false),
        ]
        var offset = 0
        return sizes.map { name, count, isMatrix in
            defer { offset += count }
            return ParameterTensorInfo(name: name, offset: offset, count: count, isMatrix: isMatrix)
        }
    }

    static func totalCount(_ config: TransformerConfig) -> Int {
        layout(config).reduce(0) { $0 + $1.count }
    }

    init(base: UnsafeMutablePointer<Float>, config: TransformerConfig) {
        let offsets = Self.layout(config).map(\.offset)
        wte = base + offsets[0]
        wpe = base + offsets[1]
        ln1w = base + offsets[2]
        ln1b = base + offsets[3]
        qkvw = base + offsets[4]
        qkvb = base + offsets[5]
        attprojw = base + offsets[6]
        attprojb = base + offsets[7]
        ln2w = base + offsets[8]
        ln2b = base + offsets[9]
        fcw = base + offsets[10]
        fcb = base + offsets[11]
        fcprojw = base + offsets[12]
        fcprojb = base + offsets[13]
        lnfw = base + offsets[14]
        lnfb = base + offsets[15]
        headw = base + offsets[16]
        headb = base + offsets[17]
    }
}
