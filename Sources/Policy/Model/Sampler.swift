import Foundation
import Shared

/// Generates continuations with a key/value cache. The k continuations of
/// one prompt run as one batch: the prompt is read once, its keys and values
/// copied to every sequence, and each step feeds one token per unfinished
/// sequence, so the projections are sgemm calls with M = sequences still
/// running. Reads the model's current parameters on every call.
///
/// Not thread-safe, like the model it reads; the two must not be used at
/// the same time from different threads.
public final class Sampler: @unchecked Sendable {
    public let model: TransformerModel
    /// The most continuations one call can generate.
    public let maxSequences: Int

    private let config: TransformerConfig
    private let keyCache: UnsafeMutablePointer<Float>    // (L, S, maxT, C)
    private let valueCache: UnsafeMutablePointer<Float>  // (L, S, maxT, C)
    // Rows being fed: up to max(S, maxT) (a prompt, or one token per sequence).
    private let residual: UnsafeMutablePointer<Float>    // (R, C)
    private let normed: UnsafeMutablePointer<Float>      // (R, C)
    private let mean: UnsafeMutablePointer<Float>        // (R)
    private let rstd: UnsafeMutablePointer<Float>        // (R)
    private let qkv: UnsafeMutablePointer<Float>         // (R, 3C)
    private let attended: UnsafeMutablePointer<Float>    // (R, C)
    private let projected: UnsafeMutablePointer<Float>   // (R, C)
    private let hidden: UnsafeMutablePointer<Float>      // (R, 4C)
    private let activated: UnsafeMutablePointer<Float>   // (R, 4C)
    private let scores: UnsafeMutablePointer<Float>      // (maxT, maxT) one head at a time
    private let lastRows: UnsafeMutablePointer<Float>    // (S, C)
    private let logits: UnsafeMutablePointer<Float>      // (S, V)
    private let probabilities: UnsafeMutablePointer<Float> // (V)
    private let order: UnsafeMutablePointer<Int32>       // (V) top-p ordering
    private let feedTokens: UnsafeMutablePointer<Int32>  // (R)
    private let rowCapacity: Int

    public init(model: TransformerModel, maxSequences: Int = 16) {
        precondition(maxSequences >= 1, "maxSequences must be at least 1")
        self.model = model
        self.maxSequences = maxSequences
        config = model.config
        let L = config.layers, C = config.width, V = config.vocabSize, maxT = config.contextLength
        rowCapacity = max(maxSequences, maxT)
        func buffer<T: Numeric>(_ count: Int) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: count)
            p.initialize(repeating: 0, count: count)
            return p
        }
        keyCache = buffer(L * maxSequences * maxT * C)
        valueCache = buffer(L * maxSequences * maxT * C)
        residual = buffer(rowCapacity * C)
        normed = buffer(rowCapacity * C)
        mean = buffer(rowCapacity)
        rstd = buffer(rowCapacity)
        qkv = buffer(rowCapacity * 3 * C)
        attended = buffer(rowCapacity * C)
        projected = buffer(rowCapacity * C)
        hidden = buffer(rowCapacity * 4 * C)
        activated = buffer(rowCapacity * 4 * C)
        scores = buffer(maxT * maxT)
        lastRows = buffer(maxSequences * C)
        logits = buffer(maxSequences * V)
        probabilities = buffer(V)
        order = buffer(V)
        feedTokens = buffer(rowCapacity)
    }

    deinit {
        for p in [keyCache, valueCache, residual, normed, mean, rstd, qkv, attended, projected, hidden, activated,
                  scores, lastRows, logits, probabilities] { p.deallocate() }
        order.deallocate()
        feedTokens.deallocate()
    }

    /// Draws `count` continuations of `prompt`. Each stops when it draws
    /// end-of-text (kept as its last token), after `maxNewTokens` tokens, or
    /// when prompt + response reach contextLength + 1 tokens. Temperature 0
    /// (or below 1e-6, where 1/temperature overflows) is greedy; topP < 1 samples from the smallest set of most likely
    /// tokens whose probability reaches topP. The same seed gives the same
    /// sequences.
    public func sample(
        prompt: [Int32], count: Int, maxNewTokens: Int, temperature: Float = 1, topP: Float = 1, seed: UInt64
    ) throws(SamplerError) -> [SampledSequence] {
        let maxT = config.contextLength, V = config.vocabSize
        guard !prompt.isEmpty else { throw SamplerError(field: "prompt", problem: "must not be empty") }
        guard prompt.count <= maxT else {
            throw SamplerError(field: "prompt", problem: "has \(prompt.count) tokens, more than the context length \(maxT)")
        }
        if let bad = prompt.first(where: { $0 < 0 || Int($0) >= V }) {
            throw SamplerError(field: "prompt", problem: "holds token \(bad), outside the vocabulary of \(V)")
        }
        guard count >= 1 && count <= maxSequences else {
            throw SamplerError(field: "count", problem: "must be in 1...\(maxSequences), got \(count)")
        }
        guard maxNewTokens >= 1 else { throw SamplerError(field: "maxNewTokens", problem: "must be at least 1, got \(maxNewTokens)") }
        guard temperature.isFinite && temperature >= 0 else {
            throw SamplerError(field: "temperature", problem: "must be a finite number >= 0, got \(temperature)")
        }
        guard topP > 0 && topP <= 1 else { throw SamplerError(field: "topP", problem: "must be in (0, 1], got \(topP)") }

        var generator = SplitMix64(seed: seed)
        var sequences = [SampledSequence](
            repeating: SampledSequence(tokens: [], logProbabilities: [], stopReason: .maxNewTokens), count: count)
        let longest = min(maxNewTokens, maxT + 1 - prompt.count)
        for i in 0..<count {
            sequences[i].tokens.reserveCapacity(longest)
            sequences[i].logProbabilities.reserveCapacity(longest)
        }

        // Read the prompt once into cache slot 0, then copy it to the others.
        for (i, token) in prompt.enumerated() { feedTokens[i] = token }
        extend(slots: [0], rowsPerSlot: prompt.count, position: 0)
        copyPromptCache(length: prompt.count, toSlots: count)

        // Sequence i lives in cache slot i. `active` holds the unfinished ones.
        var active: [Int] = []
        active.reserveCapacity(count)
        for i in 0..<count {
            let (token, logProbability) = draw(from: logits, temperature: temperature, topP: topP, generator: &generator)
            if !record(token, logProbability, into: &sequences[i], promptLength: prompt.count, maxNewTokens: maxNewTokens) {
                active.append(i)
            }
        }
        var position = prompt.count
        while !active.isEmpty {
            for (row, i) in active.enumerated() { feedTokens[row] = sequences[i].tokens.last! }
            extend(slots: active, rowsPerSlot: 1, position: position)
            var stillActive = 0
            for (row, i) in active.enumerated() {
                let (token, logProbability) = draw(from: logits + row * V, temperature: temperature, topP: topP,
                                                   generator: &generator)
                if !record(token, logProbability, into: &sequences[i], promptLength: prompt.count, maxNewTokens: maxNewTokens) {
                    active[stillActive] = i
                    stillActive += 1
                }
            }
            active.removeLast(active.count - stillActive)
            position += 1
        }
        return sequences
    }

    /// Appends a drawn token; returns true when the sequence is finished.
    private func record(
        _ token: Int32, _ logProbability: Float, into sequence: inout SampledSequence, promptLength: Int, maxNewTokens: Int
    ) -> Bool {
        sequence.tokens.append(token)
        sequence.logProbabilities.append(logProbability)
        if token == Vocabulary.endOfText {
            sequence.stopReason = .endOfText
        } else if sequence.tokens.count == maxNewTokens {
            sequence.stopReason = .maxNewTokens
        } else if promptLength + sequence.tokens.count > config.contextLength {
            // Its last token would have to be fed at position contextLength.
            sequence.stopReason = .contextFull
        } else {
            return false
        }
        return true
    }

    // MARK: - The cached forward pass

    /// Feeds `rowsPerSlot` tokens (from feedTokens, slot-major) to each slot
    /// at positions position..<position + rowsPerSlot, appends their keys and
    /// values to the slots' caches, and leaves in `logits` (slots.count, V)
    /// the logits after each slot's last fed token.
    private func extend(slots: [Int], rowsPerSlot n: Int, position: Int) {
        let L = config.layers, C = config.width, NH = config.heads, V = config.vocabSize
        let maxT = config.contextLength, S = maxSequences
        let hs = C / NH
        let scale = 1 / Float(hs).squareRoot()
        let m = slots.count
        let rows = m * n
        let end = position + n
        let p = model.params

        for i in 0..<m {
            for j in 0..<n {
                let row = i * n + j
                let tokenRow = p.wte + Int(feedTokens[row]) * C
                let positionRow = p.wpe + (position + j) * C
                let x = residual + row * C
                for c in 0..<C { x[c] = tokenRow[c] + positionRow[c] }
            }
        }
        for l in 0..<L {
            layerNormForward(out: normed, mean: mean, rstd: rstd, inp: residual,
                             weight: p.ln1w + l * C, bias: p.ln1b + l * C, N: rows, C: C)
            matmulForward(out: qkv, inp: normed, weight: p.qkvw + l * 3 * C * C, bias: p.qkvb + l * 3 * C,
                          N: rows, C: C, OC: 3 * C)
            for (i, slot) in slots.enumerated() {
                let keys = keyCache + ((l * S + slot) * maxT) * C
                let values = valueCache + ((l * S + slot) * maxT) * C
                for j in 0..<n {
                    let source = qkv + (i * n + j) * 3 * C
                    (keys + (position + j) * C).update(from: source + C, count: C)
                    (values + (position + j) * C).update(from: source + 2 * C, count: C)
                }
                for h in 0..<NH {
                    // scores (n, end) = Q (n, hs) · K[0..<end]ᵀ / √hs, causal within the new rows.
                    sgemm(transA: false, transB: true, M: n, N: end, K: hs,
                          alpha: scale, A: qkv + i * n * 3 * C + h * hs, lda: 3 * C, B: keys + h * hs, ldb: C,
                          beta: 0, C: scores, ldc: end)
                    for j in 0..<n { causalSoftmaxRow(scores + j * end, visible: position + j + 1, length: end) }
                    sgemm(transA: false, transB: false, M: n, N: hs, K: end,
                          alpha: 1, A: scores, lda: end, B: values + h * hs, ldb: C,
                          beta: 0, C: attended + i * n * C + h * hs, ldc: C)
                }
            }
            matmulForward(out: projected, inp: attended, weight: p.attprojw + l * C * C, bias: p.attprojb + l * C,
                          N: rows, C: C, OC: C)
            addInPlace(residual, projected, rows * C)
            layerNormForward(out: normed, mean: mean, rstd: rstd, inp: residual,
                             weight: p.ln2w + l * C, bias: p.ln2b + l * C, N: rows, C: C)
            matmulForward(out: hidden, inp: normed, weight: p.fcw + l * 4 * C * C, bias: p.fcb + l * 4 * C,
                          N: rows, C: C, OC: 4 * C)
            geluForward(out: activated, inp: hidden, N: rows * 4 * C)
            matmulForward(out: projected, inp: activated, weight: p.fcprojw + l * 4 * C * C, bias: p.fcprojb + l * C,
                          N: rows, C: 4 * C, OC: C)
            addInPlace(residual, projected, rows * C)
        }
        // Only each slot's last row predicts a token.
        for i in 0..<m { (lastRows + i * C).update(from: residual + (i * n + n - 1) * C, count: C) }
        layerNormForward(out: normed, mean: mean, rstd: rstd, inp: lastRows, weight: p.lnfw, bias: p.lnfb, N: m, C: C)
        matmulForward(out: logits, inp: normed, weight: p.headw, bias: p.headb, N: m, C: C, OC: V)
    }

    /// Copies slot 0's cached prompt keys and values to slots 1..<count.
    private func copyPromptCache(length: Int, toSlots count: Int) {
        let C = config.width, maxT = config.contextLength, S = maxSequences
        for l in 0..<config.layers {
            let keys = keyCache + l * S * maxT * C
            let values = valueCache + l * S * maxT * C
            for slot in 1..<max(count, 1) {
                (keys + slot * maxT * C).update(from: keys, count: length * C)
                (values + slot * maxT * C).update(from: values, count: length * C)
            }
        }
    }

    // MARK: - Drawing a token

    /// Temperatures below this draw the most likely token.
    static let greedyBelow: Float = 1e-6

    /// Draws a token from one row of logits (V) and returns it with its raw
    /// log-probability (computed as the training forward pass does).
    private func draw(
        from row: UnsafePointer<Float>, temperature: Float, topP: Float, generator: inout SplitMix64
    ) -> (Int32, Float) {
        let V = config.vocabSize
        let maxLogit = vectorMax(row, V)
        for i in 0..<V { probabilities[i] = fastExp(row[i] - maxLogit) }
        let logNormalizer = maxLogit + logf(vectorSum(probabilities, V))

        var token = 0
        if temperature < Self.greedyBelow {
            for i in 1..<V where row[i] > row[token] { token = i }
        } else {
            let inverseTemperature = 1 / temperature
            for i in 0..<V { probabilities[i] = fastExp((row[i] - maxLogit) * inverseTemperature) }
            let total = vectorSum(probabilities, V)
            let u = Float(generator.next() >> 40) * 0x1p-24
            if topP >= 1 {
                token = pick(u * total, count: V) { $0 }
            } else {
                // Most likely first (ties by token), then keep the shortest
                // prefix whose mass reaches topP and draw within it.
                let probs = probabilities
                for i in 0..<V { order[i] = Int32(i) }
                var ordered = UnsafeMutableBufferPointer(start: order, count: V)
                ordered.sort { (a: Int32, b: Int32) -> Bool in
                    let pa = probs[Int(a)], pb = probs[Int(b)]
                    return pa != pb ? pa > pb : a < b
                }
                var kept = 0
                var mass: Float = 0
                while kept < V {
                    mass += probs[Int(order[kept])]
                    kept += 1
                    if mass >= topP * total { break }
                }
                token = Int(order[pick(u * mass, count: kept) { Int(self.order[$0]) }])
            }
        }
        return (Int32(token), row[token] - logNormalizer)
    }

    /// The first index i of 0..<count whose cumulative probability (of
    /// probabilities[index(i)]) exceeds `target`; the last one with
    /// non-zero probability when rounding leaves target unreached.
    @inline(__always)
    private func pick(_ target: Float, count: Int, index: (Int) -> Int) -> Int {
        var cumulative: Float = 0
        var lastNonZero = 0
        for i in 0..<count {
            let probability = probabilities[index(i)]
            if probability > 0 { lastNonZero = i }
            cumulative += probability
            if target < cumulative { return i }
        }
        return lastNonZero
    }
}
