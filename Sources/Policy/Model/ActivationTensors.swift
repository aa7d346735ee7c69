/// What the forward pass keeps for the backward pass, as in llm.c's
/// ActivationTensors, laid out for the batch's actual B×T inside one buffer
/// allocated once for maxBatch × contextLength. Per-layer tensors hold all L
/// layers back to back; `ln1(l)` and friends point at layer l.
struct ActivationTensors {
    let B: Int, T: Int, C: Int, NH: Int, V: Int
    var encoded: UnsafeMutablePointer<Float>    // (B, T, C) token + position embedding
    var ln1Base: UnsafeMutablePointer<Float>    // (L, B, T, C)
    var ln1MeanBase: UnsafeMutablePointer<Float> // (L, B, T)
    var ln1RstdBase: UnsafeMutablePointer<Float> // (L, B, T)
    var qkvBase: UnsafeMutablePointer<Float>    // (L, B, T, 3C)
    var attBase: UnsafeMutablePointer<Float>    // (L, B, NH, T, T) softmax weights
    var attyBase: UnsafeMutablePointer<Float>   // (L, B, T, C) attention output before projection
    var res2Base: UnsafeMutablePointer<Float>   // (L, B, T, C) residual after attention
    var ln2Base: UnsafeMutablePointer<Float>    // (L, B, T, C)
    var ln2MeanBase: UnsafeMutablePointer<Float> // (L, B, T)
    var ln2RstdBase: UnsafeMutablePointer<Float> // (L, B, T)
    var fchBase: UnsafeMutablePointer<Float>    // (L, B, T, 4C) MLP pre-activation
    var fchGeluBase: UnsafeMutablePointer<Float> // (L, B, T, 4C)
    var res3Base: UnsafeMutablePointer<Float>   // (L, B, T, C) residual after the MLP: the block's output
    var lnf: UnsafeMutablePointer<Float>        // (B, T, C)
    var lnfMean: UnsafeMutablePointer<Float>    // (B, T)
    var lnfRstd: UnsafeMutablePointer<Float>    // (B, T)
    var probs: UnsafeMutablePointer<Float>      // (B, T, V) logits, then softmax in place
    var targetLogProbs: UnsafeMutablePointer<Float> // (B, T) log p(target)

    /// Floats needed for a B×T batch.
    static func count(_ config: TransformerConfig, B: Int, T: Int) -> Int {
        let L = config.layers, C = config.width, NH = config.heads, V = config.vocabSize
        let BT = B * T
        // ln1, atty, res2, ln2, res3 (C each), qkv (3C), fch and fchGelu (4C each)
        // per position; two means and two rstds; the attention weights.
        let perLayer = BT * 16 * C + 4 * BT + NH * B * T * T
        return BT * C + L * perLayer + BT * C + 2 * BT + BT * V + BT
    }

    init(base: UnsafeMutablePointer<Float>, config: TransformerConfig, B: Int, T: Int) {
        let L = config.layers, C = config.width, NH = config.heads, V = config.vocabSize
        self.B = B
        self.T = T
        self.C = C
        self.NH = NH
        self.V = V
        let BT = B * T
        var next = base
        func take(_ count: Int) -> UnsafeMutablePointer<Float> {
            defer { next += count }
            return next
        }
        encoded = take(BT * C)
        ln1Base = take(L * BT * C)
        ln1MeanBase = take(L * BT)
        ln1RstdBase = take(L * BT)
        qkvBase = take(L * BT * 3 * C)
        attBase = take(L * B * NH * T * T)
        attyBase = take(L * BT * C)
        res2Base = take(L * BT * C)
        ln2Base = take(L * BT * C)
        ln2MeanBase = take(L * BT)
        ln2RstdBase = take(L * BT)
        fchBase = take(L * BT * 4 * C)
        fchGeluBase = take(L * BT * 4 * C)
        res3Base = take(L * BT * C)
        lnf = take(BT * C)
        lnfMean = take(BT)
        lnfRstd = take(BT)
        probs = take(BT * V)
        targetLogProbs = take(BT)
        assert(next - base == Self.count(config, B: B, T: T))
    }

    func ln1(_ l: Int) -> UnsafeMutablePointer<Float> { ln1Base + l * B * T * C }
    func ln1Mean(_ l: Int) -> UnsafeMutablePointer<Float> { ln1MeanBase + l * B * T }
    func ln1Rstd(_ l: Int) -> UnsafeMutablePointer<Float> { ln1RstdBase + l * B * T }
    func qkv(_ l: Int) -> UnsafeMutablePointer<Float> { qkvBase + l * B * T * 3 * C }
    func att(_ l: Int) -> UnsafeMutablePointer<Float> { attBase + l * B * NH * T * T }
    func atty(_ l: Int) -> UnsafeMutablePointer<Float> { attyBase + l * B * T * C }
    func res2(_ l: Int) -> UnsafeMutablePointer<Float> { res2Base + l * B * T * C }
    func ln2(_ l: Int) -> UnsafeMutablePointer<Float> { ln2Base + l * B * T * C }
    func ln2Mean(_ l: Int) -> UnsafeMutablePointer<Float> { ln2MeanBase + l * B * T }
    func ln2Rstd(_ l: Int) -> UnsafeMutablePointer<Float> { ln2RstdBase + l * B * T }
    func fch(_ l: Int) -> UnsafeMutablePointer<Float> { fchBase + l * B * T * 4 * C }
    func fchGelu(_ l: Int) -> UnsafeMutablePointer<Float> { fchGeluBase + l * B * T * 4 * C }
    func res3(_ l: Int) -> UnsafeMutablePointer<Float> { res3Base + l * B * T * C }
    /// The residual stream entering block l.
    func blockInput(_ l: Int) -> UnsafeMutablePointer<Float> { l == 0 ? encoded : res3(l - 1) }
}
