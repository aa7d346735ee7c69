/// The built-in character-level transformer (GPT-2 shaped: pre-LayerNorm
/// blocks of causal self-attention and a GELU MLP, a final LayerNorm and an
/// untied output head with bias), written layer by layer on OpenBLAS in the
/// manner of llm.c's train_gpt2.c.
///
/// Parameters, gradients and activations live in buffers allocated once, the
/// activations for maxBatch × contextLength; forward and backward allocate
/// nothing.
///
/// Not thread-safe: one thread at a time may use a model (and its Sampler and
/// AdamW). It is `@unchecked Sendable` so that it can be handed from one task
/// to another.
public final class TransformerModel: @unchecked Sendable {
    public let config: TransformerConfig
    /// The most sequences one forward pass can take.
    public let maxBatch: Int
    public let parameterCount: Int
    /// The named tensors of the parameter buffer, in order.
    public let parameterTensors: [ParameterTensorInfo]

    let parameterMemory: UnsafeMutablePointer<Float>
    let gradientMemory: UnsafeMutablePointer<Float>
    let params: ParameterTensors
    let grads: ParameterTensors

    let activationMemory: UnsafeMutablePointer<Float>
    /// Layout of the last forward pass's activations.
    var acts: ActivationTensors
    let inputTokens: UnsafeMutablePointer<Int32>   // (maxBatch, maxT)
    let targetTokens: UnsafeMutablePointer<Int32>  // (maxBatch, maxT)

    // Backward scratch. Only the residual-stream gradient flows from block to
    // block; each block's other activation gradients reuse these buffers.
    let dresidual: UnsafeMutablePointer<Float>     // (B, T, C)
    let dnarrow: UnsafeMutablePointer<Float>       // (B, T, C)
    let dwide: UnsafeMutablePointer<Float>         // (B, T, 4C)
    let dwide2: UnsafeMutablePointer<Float>        // (B, T, 4C) so that GELU's backward is not in place
    let dattention: UnsafeMutablePointer<Float>    // (parallelParts, T, T) one head per part at a time
    let dlogits: UnsafeMutablePointer<Float>       // (B, T, V)
    let dlayerNormScratch: UnsafeMutablePointer<Float> // (C)
    let weightScratch: UnsafeMutablePointer<Float>  // (B, T) token weights

    /// Shape of the last forward pass (0 before the first).
    public private(set) var batchSize = 0
    public private(set) var length = 0

    /// A model with GPT-2's initialisation drawn from `seed`: matrices
    /// N(0, 0.02²), the two residual projections N(0, (0.02/√(2L))²),
    /// biases 0, LayerNorm gains 1.
    public init(config: TransformerConfig, seed: UInt64, maxBatch: Int = 16) throws(TransformerConfigError) {
        try config.validate()
        guard maxBatch >= 1 else { throw TransformerConfigError(field: "maxBatch", problem: "must be at least 1, got \(maxBatch)") }
        self.config = config
        self.maxBatch = maxBatch
        parameterTensors = ParameterTensors.layout(config)
        parameterCount = ParameterTensors.totalCount(config)

        parameterMemory = .allocate(capacity: parameterCount)
        gradientMemory = .allocate(capacity: parameterCount)
        parameterMemory.initialize(repeating: 0, count: parameterCount)
        gradientMemory.initialize(repeating: 0, count: parameterCount)
        params = ParameterTensors(base: parameterMemory, config: config)
        grads = ParameterTensors(base: gradientMemory, config: config)

        let maxT = config.contextLength, C = config.width, V = config.vocabSize
        let maxBT = maxBatch * maxT
        let activationCount = ActivationTensors.count(config, B: maxBatch, T: maxT)
        activationMemory = .allocate(capacity: activationCount)
        activationMemory.initialize(repeating: 0, count: activationCount)
        acts = ActivationTensors(base: activationMemory, config: config, B: maxBatch, T: maxT)
        inputTokens = .allocate(capacity: maxBT)
        inputTokens.initialize(repeating: 0, count: maxBT)
        targetTokens = .allocate(capacity: maxBT)
        targetTokens.initialize(repeating: 0, count: maxBT)

        func scratch(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
            p.initialize(repeating: 0, count: count)
            return p
        }
        dresidual = scratch(maxBT * C)
        dnarrow = scratch(maxBT * C)
        dwide = scratch(maxBT * 4 * C)
        dwide2 = scratch(maxBT * 4 * C)
        dattention = scratch(parallelParts * maxT * maxT)
        dlogits = scratch(maxBT * V)
        dlayerNormScratch = scratch(C)
        weightScratch = scratch(maxBT)

        initializeParameters(seed: seed)
    }

    deinit {
        parameterMemory.deallocate()
        gradientMemory.deallocate()
        activationMemory.deallocate()
        inputTokens.deallocate()
        targetTokens.deallocate()
        for p in [dresidual, dnarrow, dwide, dwide2, dattention, dlogits, dlayerNormScratch, weightScratch] { p.deallocate() }
    }

    private func initializeParameters(seed: UInt64) {
        var normal = GaussianGenerator(seed: seed)
        let residualStd = 0.02 / Float(2 * config.layers).squareRoot()
        for tensor in parameterTensors {
            let p = parameterMemory + tensor.offset
            switch tensor.name {
            case "ln1w", "ln2w", "lnfw":
                p.update(repeating: 1, count: tensor.count)
            case "attprojw", "fcprojw":
                for i in 0..<tensor.count { p[i] = residualStd * normal.next() }
            case _ where tensor.isMatrix:
                for i in 0..<tensor.count { p[i] = 0.02 * normal.next() }
            default:
                p.update(repeating: 0, count: tensor.count)
            }
        }
    }

    // MARK: - Forward

    /// Runs the model on `batch` and returns log p(target_{b,t} | inputs_{b,≤t})
    /// for every position, (B, T) row-major (index b·T + t), under the raw
    /// distribution (no temperature). The buffer belongs to the model and is
    /// overwritten by the next forward pass; copy it to keep it.
    ///
    /// Requires batchSize ≤ maxBatch, length ≤ contextLength and every token
    /// in the vocabulary.
    @discardableResult
    public func forward(batch: TokenBatch) -> UnsafeBufferPointer<Float> {
        precondition(batch.batchSize <= maxBatch, "batch of \(batch.batchSize) sequences exceeds maxBatch \(maxBatch)")
        precondition(batch.length <= config.contextLength,
                     "batch length \(batch.length) exceeds the context length \(config.contextLength)")
        let V = Int32(config.vocabSize)
        precondition(batch.inputs.allSatisfy { $0 >= 0 && $0 < V } && batch.targets.allSatisfy { $0 >= 0 && $0 < V },
                     "token outside the vocabulary")
        let BT = batch.batchSize * batch.length
        batch.inputs.withUnsafeBufferPointer { inputTokens.update(from: $0.baseAddress!, count: BT) }
        batch.targets.withUnsafeBufferPointer { targetTokens.update(from: $0.baseAddress!, count: BT) }
        forward(B: batch.batchSize, T: batch.length)
        return UnsafeBufferPointer(start: acts.targetLogProbs, count: BT)
    }

    /// The forward pass on the tokens already in inputTokens/targetTokens.
    func forward(B: Int, T: Int) {
        batchSize = B
        length = T
        acts = ActivationTensors(base: activationMemory, config: config, B: B, T: T)
        let L = config.layers, C = config.width, NH = config.heads, V = config.vocabSize
        let BT = B * T
        let p = params, a = acts

        encoderForward(out: a.encoded, inp: inputTokens, wte: p.wte, wpe: p.wpe, B: B, T: T, C: C)
        for l in 0..<L {
            let residual = a.blockInput(l)
            // Attention half: res2 = residual + attproj(attention(qkv(ln1(residual))))
            layerNormForward(out: a.ln1(l), mean: a.ln1Mean(l), rstd: a.ln1Rstd(l), inp: residual,
                             weight: p.ln1w + l * C, bias: p.ln1b + l * C, N: BT, C: C)
            matmulForward(out: a.qkv(l), inp: a.ln1(l), weight: p.qkvw + l * 3 * C * C, bias: p.qkvb + l * 3 * C,
                          N: BT, C: C, OC: 3 * C)
            attentionForward(out: a.atty(l), att: a.att(l), qkv: a.qkv(l), B: B, T: T, C: C, NH: NH)
            matmulForward(out: a.res2(l), inp: a.atty(l), weight: p.attprojw + l * C * C, bias: p.attprojb + l * C,
                          N: BT, C: C, OC: C)
            addInPlace(a.res2(l), residual, BT * C)
            // MLP half: res3 = res2 + fcproj(gelu(fc(ln2(res2))))
            layerNormForward(out: a.ln2(l), mean: a.ln2Mean(l), rstd: a.ln2Rstd(l), inp: a.res2(l),
                             weight: p.ln2w + l * C, bias: p.ln2b + l * C, N: BT, C: C)
            matmulForward(out: a.fch(l), inp: a.ln2(l), weight: p.fcw + l * 4 * C * C, bias: p.fcb + l * 4 * C,
                          N: BT, C: C, OC: 4 * C)
            geluForward(out: a.fchGelu(l), inp: a.fch(l), N: BT * 4 * C)
            matmulForward(out: a.res3(l), inp: a.fchGelu(l), weight: p.fcprojw + l * 4 * C * C, bias: p.fcprojb + l * C,
                          N: BT, C: 4 * C, OC: C)
            addInPlace(a.res3(l), a.res2(l), BT * C)
        }
        layerNormForward(out: a.lnf, mean: a.lnfMean, rstd: a.lnfRstd, inp: a.res3(L - 1),
                         weight: p.lnfw, bias: p.lnfb, N: BT, C: C)
        matmulForward(out: a.probs, inp: a.lnf, weight: p.headw, bias: p.headb, N: BT, C: C, OC: V)
        crossEntropyForward(probs: a.probs, targetLogProbs: a.targetLogProbs, logits: a.probs,
                            targets: targetTokens, N: BT, V: V)
    }

    /// −Σ w_{b,t} · log p(target_{b,t}) of the last forward pass, in Double.
    public func weightedLoss(tokenWeights: [Float]) -> Double {
        precondition(tokenWeights.count == batchSize * length, "one weight per position of the last batch")
        var loss = 0.0
        for i in 0..<tokenWeights.count { loss -= Double(tokenWeights[i]) * Double(acts.targetLogProbs[i]) }
        return loss
    }

    // MARK: - Backward

    /// Adds to the gradient buffer the gradient of
    /// L = −Σ_{b,t} w_{b,t} · log p(target_{b,t}) at the last forward pass
    /// (weights (B, T) row-major, 0 on padding). Gradients accumulate across
    /// calls until `zeroGradients()`. May be called more than once per forward.
    public func backward(tokenWeights: [Float]) {
        precondition(batchSize > 0, "backward needs a forward pass first")
        precondition(tokenWeights.count == batchSize * length, "one weight per position of the last batch")
        tokenWeights.withUnsafeBufferPointer { weightScratch.update(from: $0.baseAddress!, count: $0.count) }
        backward(weights: weightScratch, scope: .all)
    }

    /// Which parameter gradients a backward pass produces; the others are
    /// skipped (and left as they were), which is what makes a per-sequence
    /// gradient norm of one group cheap.
    enum BackwardScope {
        case all
        /// Stop after the output head.
        case head
        /// Activation gradients all the way down, but only the token
        /// embedding's parameter gradient.
        case tokenEmbedding
    }

    func backward(weights: UnsafePointer<Float>, scope: BackwardScope) {
        let B = batchSize, T = length
        let L = config.layers, C = config.width, NH = config.heads, V = config.vocabSize
        let BT = B * T
        let p = params, a = acts
        let all = scope == .all
        // nil skips a parameter gradient the scope does not want.
        func g(_ pointer: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float>? { all ? pointer : nil }

        crossEntropyBackward(dlogits: dlogits, probs: a.probs, targets: targetTokens, weights: weights, N: BT, V: V)
        let wantsHead = scope != .tokenEmbedding
        matmulBackward(dinp: scope == .head ? nil : dnarrow,
                       dweight: wantsHead ? grads.headw : nil, dbias: wantsHead ? grads.headb : nil,
                       dout: dlogits, inp: a.lnf, weight: p.headw, N: BT, C: C, OC: V)
        if scope == .head { return }

        // dresidual accumulates the gradient of the residual stream from the
        // top down; layerNormBackward adds into it, so it starts at 0.
        dresidual.update(repeating: 0, count: BT * C)
        layerNormBackward(dinp: dresidual, dweight: g(grads.lnfw), dbias: g(grads.lnfb), dout: dnarrow,
                          inp: a.res3(L - 1), weight: p.lnfw, mean: a.lnfMean, rstd: a.lnfRstd,
                          scratch: dlayerNormScratch, N: BT, C: C)
        for l in stride(from: L - 1, through: 0, by: -1) {
            let residual = a.blockInput(l)
            // MLP half (dresidual is ∂L/∂res3 here, ∂L/∂res2 after the LayerNorm).
            matmulBackward(dinp: dwide, dweight: g(grads.fcprojw + l * 4 * C * C), dbias: g(grads.fcprojb + l * C),
                           dout: dresidual, inp: a.fchGelu(l), weight: p.fcprojw + l * 4 * C * C,
                           N: BT, C: 4 * C, OC: C)
            geluBackward(dinp: dwide2, inp: a.fch(l), dout: dwide, N: BT * 4 * C)
            matmulBackward(dinp: dnarrow, dweight: g(grads.fcw + l * 4 * C * C), dbias: g(grads.fcb + l * 4 * C),
                           dout: dwide2, inp: a.ln2(l), weight: p.fcw + l * 4 * C * C, N: BT, C: C, OC: 4 * C)
            layerNormBackward(dinp: dresidual, dweight: g(grads.ln2w + l * C), dbias: g(grads.ln2b + l * C),
                              dout: dnarrow, inp: a.res2(l), weight: p.ln2w + l * C,
                              mean: a.ln2Mean(l), rstd: a.ln2Rstd(l), scratch: dlayerNormScratch, N: BT, C: C)
            // Attention half (dresidual becomes ∂L/∂residual).
            matmulBackward(dinp: dnarrow, dweight: g(grads.attprojw + l * C * C), dbias: g(grads.attprojb + l * C),
                           dout: dresidual, inp: a.atty(l), weight: p.attprojw + l * C * C, N: BT, C: C, OC: C)
            attentionBackward(dqkv: dwide, scratch: dattention, dout: dnarrow, qkv: a.qkv(l), att: a.att(l),
                              B: B, T: T, C: C, NH: NH)
            matmulBackward(dinp: dnarrow, dweight: g(grads.qkvw + l * 3 * C * C), dbias: g(grads.qkvb + l * 3 * C),
                           dout: dwide, inp: a.ln1(l), weight: p.qkvw + l * 3 * C * C, N: BT, C: C, OC: 3 * C)
            layerNormBackward(dinp: dresidual, dweight: g(grads.ln1w + l * C), dbias: g(grads.ln1b + l * C),
                              dout: dnarrow, inp: residual, weight: p.ln1w + l * C,
                              mean: a.ln1Mean(l), rstd: a.ln1Rstd(l), scratch: dlayerNormScratch, N: BT, C: C)
        }
        encoderBackward(dwte: grads.wte, dwpe: g(grads.wpe), dout: dresidual, inp: inputTokens, B: B, T: T, C: C)
    }

    // MARK: - Gradients

    public func zeroGradients() {
        gradientMemory.update(repeating: 0, count: parameterCount)
    }

    /// Global L2 norm of the gradient buffer.
    public func gradientNorm() -> Double {
        squaredNorm(gradientMemory, parameterCount).squareRoot()
    }

    /// Scales the gradients so that their global norm is at most `maxNorm`;
    /// returns the norm before clipping.
    @discardableResult
    public func clipGradients(maxNorm: Double) -> Double {
        let norm = gradientNorm()
        if norm > maxNorm {
            let scale = Float(maxNorm / norm)
            for i in 0..<parameterCount { gradientMemory[i] *= scale }
        }
        return norm
    }

    // MARK: - Parameter access

    /// A copy of the parameters in buffer (and weights file) order.
    public func parameterValues() -> [Float] {
        Array(UnsafeBufferPointer(start: parameterMemory, count: parameterCount))
    }

    /// A copy of the gradient buffer, in the order of parameterValues().
    public func gradientValues() -> [Float] {
        Array(UnsafeBufferPointer(start: gradientMemory, count: parameterCount))
    }

    /// Replaces every parameter; `values` must hold parameterCount floats.
    public func loadParameters(_ values: [Float]) {
        precondition(values.count == parameterCount,
                     "expected \(parameterCount) parameters, got \(values.count)")
        values.withUnsafeBufferPointer { parameterMemory.update(from: $0.baseAddress!, count: parameterCount) }
    }

    /// Copies another model's parameters (same configuration) into this one.
    public func copyParameters(from other: TransformerModel) {
        precondition(other.config == config, "models of different configurations")
        parameterMemory.update(from: other.parameterMemory, count: parameterCount)
    }
}
