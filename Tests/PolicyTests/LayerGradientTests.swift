import Foundation
import Testing
@testable import Policy

/// Finite-difference checks of each layer's backward pass on its own, with
/// the loss Σ out · R for a fixed random R (so dout = R).
@Suite struct LayerGradientTests {
    let check = GradientCheck(epsilon: 1e-2, relativeTolerance: 1e-2, absoluteTolerance: 1e-3)

    @Test func matmulGradientsMatchFiniteDifferences() {
        let N = 5, C = 4, OC = 3
        let inp = buffer(randomFloats(N * C, seed: 1))
        let weight = buffer(randomFloats(OC * C, seed: 2))
        let bias = buffer(randomFloats(OC, seed: 3))
        let out = buffer(count: N * OC)
        let R = randomFloats(N * OC, seed: 4)
        defer { [inp, weight, bias, out].forEach { $0.deallocate() } }
        func loss() -> Double {
            matmulForward(out: out, inp: inp, weight: weight, bias: bias, N: N, C: C, OC: OC)
            return dotDouble(out, R)
        }
        let (dinp, dweight, dbias) = matmulGradients(inp: inp, weight: weight, R: R, N: N, C: C, OC: OC)
        #expect(check.mismatches(of: inp, analytic: dinp, indices: 0..<(N * C), loss: loss).isEmpty)
        #expect(check.mismatches(of: weight, analytic: dweight, indices: 0..<(OC * C), loss: loss).isEmpty)
        #expect(check.mismatches(of: bias, analytic: dbias, indices: 0..<OC, loss: loss).isEmpty)
        #expect(dweight.map(abs).max()! > 0.5, "the check needs gradients well above its tolerance")
    }

    @Test func matmulBackwardAccumulatesWeightGradients() {
        let N = 3, C = 2, OC = 2
        let inp = buffer(randomFloats(N * C, seed: 5))
        let weight = buffer(randomFloats(OC * C, seed: 6))
        let dout = buffer(randomFloats(N * OC, seed: 7))
        let dweight = buffer(count: OC * C)
        let dbias = buffer(count: OC)
        defer { [inp, weight, dout, dweight, dbias].forEach { $0.deallocate() } }
        matmulBackward(dinp: nil, dweight: dweight, dbias: dbias, dout: dout, inp: inp, weight: weight, N: N, C: C, OC: OC)
        let once = Array(UnsafeBufferPointer(start: dweight, count: OC * C))
        matmulBackward(dinp: nil, dweight: dweight, dbias: dbias, dout: dout, inp: inp, weight: weight, N: N, C: C, OC: OC)
        for i in 0..<(OC * C) { #expect(abs(dweight[i] - 2 * once[i]) <= 1e-5 * abs(once[i]) + 1e-6) }
    }

    @Test func layerNormGradientsMatchFiniteDifferences() {
        let N = 3, C = 8
        let inp = buffer(randomFloats(N * C, seed: 11).map { $0 + 0.5 })
        let weight = buffer(randomFloats(C, seed: 12, scale: 0.3).map { $0 + 1 })
        let bias = buffer(randomFloats(C, seed: 13, scale: 0.3))
        let out = buffer(count: N * C), mean = buffer(count: N), rstd = buffer(count: N)
        let R = randomFloats(N * C, seed: 14)
        defer { [inp, weight, bias, out, mean, rstd].forEach { $0.deallocate() } }
        func loss() -> Double {
            layerNormForward(out: out, mean: mean, rstd: rstd, inp: inp, weight: weight, bias: bias, N: N, C: C)
            return dotDouble(out, R)
        }
        _ = loss()
        let dinp = buffer(count: N * C), dweight = buffer(count: C), dbias = buffer(count: C), scratch = buffer(count: C)
        let dout = buffer(R)
        defer { [dinp, dweight, dbias, scratch, dout].forEach { $0.deallocate() } }
        layerNormBackward(dinp: dinp, dweight: dweight, dbias: dbias, dout: dout, inp: inp, weight: weight,
                          mean: mean, rstd: rstd, scratch: scratch, N: N, C: C)
        let fine = GradientCheck(epsilon: 1e-3, relativeTolerance: 1e-2, absoluteTolerance: 2e-3)
        #expect(fine.mismatches(of: inp, analytic: array(dinp, N * C), indices: 0..<(N * C), loss: loss).isEmpty)
        #expect(check.mismatches(of: weight, analytic: array(dweight, C), indices: 0..<C, loss: loss).isEmpty)
        #expect(check.mismatches(of: bias, analytic: array(dbias, C), indices: 0..<C, loss: loss).isEmpty)
        // Each normalised row has mean 0 and variance 1 before the gain.
        layerNormForward(out: out, mean: mean, rstd: rstd, inp: inp, weight: weight, bias: bias, N: N, C: C)
        for n in 0..<N {
            var sum = 0.0, squares = 0.0
            for i in 0..<C {
                let xhat = Double((inp[n * C + i] - mean[n]) * rstd[n])
                sum += xhat
                squares += xhat * xhat
            }
            #expect(abs(sum / Double(C)) < 1e-5)
            #expect(abs(squares / Double(C) - 1) < 1e-3)
        }
    }

    @Test func encoderGradientsMatchFiniteDifferences() {
        let V = 5, maxT = 4, C = 3, B = 2, T = 3
        let tokens: [Int32] = [1, 4, 1, 0, 1, 3]
        let wte = buffer(randomFloats(V * C, seed: 21))
        let wpe = buffer(randomFloats(maxT * C, seed: 22))
        let out = buffer(count: B * T * C)
        let R = randomFloats(B * T * C, seed: 23)
        defer { [wte, wpe, out].forEach { $0.deallocate() } }
        func loss() -> Double {
            tokens.withUnsafeBufferPointer { encoderForward(out: out, inp: $0.baseAddress!, wte: wte, wpe: wpe, B: B, T: T, C: C) }
            return dotDouble(out, R)
        }
        let dwte = buffer(count: V * C), dwpe = buffer(count: maxT * C), dout = buffer(R)
        defer { [dwte, dwpe, dout].forEach { $0.deallocate() } }
        tokens.withUnsafeBufferPointer { encoderBackward(dwte: dwte, dwpe: dwpe, dout: dout, inp: $0.baseAddress!, B: B, T: T, C: C) }
        #expect(check.mismatches(of: wte, analytic: array(dwte, V * C), indices: 0..<(V * C), loss: loss).isEmpty)
        #expect(check.mismatches(of: wpe, analytic: array(dwpe, maxT * C), indices: 0..<(maxT * C), loss: loss).isEmpty)
        // Token 1 appears three times: its row sums three output rows.
        #expect(abs(dwte[1 * C] - (R[0] + R[2 * C] + R[4 * C])) < 1e-6)
    }

    @Test func attentionGradientsMatchFiniteDifferences() {
        let B = 2, T = 4, C = 6, NH = 2
        let qkv = buffer(randomFloats(B * T * 3 * C, seed: 31))
        let att = buffer(count: B * NH * T * T), out = buffer(count: B * T * C)
        let R = randomFloats(B * T * C, seed: 32)
        defer { [qkv, att, out].forEach { $0.deallocate() } }
        func loss() -> Double {
            attentionForward(out: out, att: att, qkv: qkv, B: B, T: T, C: C, NH: NH)
            return dotDouble(out, R)
        }
        _ = loss()
        let dqkv = buffer(count: B * T * 3 * C), scratch = buffer(count: T * T), dout = buffer(R)
        defer { [dqkv, scratch, dout].forEach { $0.deallocate() } }
        attentionBackward(dqkv: dqkv, scratch: scratch, dout: dout, qkv: qkv, att: att, B: B, T: T, C: C, NH: NH)
        let analytic = array(dqkv, B * T * 3 * C)
        let fine = GradientCheck(epsilon: 3e-3, relativeTolerance: 1e-2, absoluteTolerance: 1e-3)
        #expect(fine.mismatches(of: qkv, analytic: analytic, indices: 0..<analytic.count, loss: loss).isEmpty)
        // The last query sees every key, the first only itself.
        let maxQ = (0..<(B * T)).flatMap { row in (0..<C).map { analytic[row * 3 * C + $0] } }.map(abs).max()!
        #expect(maxQ > 0.05)
        // Causal softmax rows sum to 1 with nothing above the diagonal.
        for row in 0..<(B * NH * T) {
            let t = row % T
            var sum: Float = 0
            for s in 0..<T {
                sum += att[row * T + s]
                if s > t { #expect(att[row * T + s] == 0) }
            }
            #expect(abs(sum - 1) < 1e-5)
        }
    }

    @Test func attentionOutputDoesNotDependOnLaterTokens() {
        let B = 1, T = 5, C = 4, NH = 2
        let qkv = buffer(randomFloats(B * T * 3 * C, seed: 33))
        let att = buffer(count: B * NH * T * T), out = buffer(count: B * T * C)
        defer { [qkv, att, out].forEach { $0.deallocate() } }
        attentionForward(out: out, att: att, qkv: qkv, B: B, T: T, C: C, NH: NH)
        let before = array(out, (T - 1) * C)
        for i in ((T - 1) * 3 * C)..<(T * 3 * C) { qkv[i] += 1 }
        attentionForward(out: out, att: att, qkv: qkv, B: B, T: T, C: C, NH: NH)
        #expect(array(out, (T - 1) * C) == before)
    }

    @Test func geluGradientsMatchFiniteDifferences() {
        let N = 33
        let inp = buffer((0..<N).map { Float($0) * 0.25 - 4 })
        let out = buffer(count: N)
        let R = randomFloats(N, seed: 41)
        defer { [inp, out].forEach { $0.deallocate() } }
        func loss() -> Double {
            geluForward(out: out, inp: inp, N: N)
            return dotDouble(out, R)
        }
        let dinp = buffer(count: N), dout = buffer(R)
        defer { [dinp, dout].forEach { $0.deallocate() } }
        geluBackward(dinp: dinp, inp: inp, dout: dout, N: N)
        let fine = GradientCheck(epsilon: 1e-3, relativeTolerance: 1e-2, absoluteTolerance: 1e-3)
        #expect(fine.mismatches(of: inp, analytic: array(dinp, N), indices: 0..<N, loss: loss).isEmpty)
        // GELU(x) ≈ x for large x, ≈ 0 for very negative x, 0 at 0.
        geluForward(out: out, inp: inp, N: N)
        #expect(abs(out[N - 1] - 4) < 1e-3)
        #expect(abs(out[0]) < 1e-3)
        #expect(out[16] == 0)
    }

    @Test func crossEntropyGradientsMatchFiniteDifferences() {
        let N = 3, V = 7
        let logits = buffer(randomFloats(N * V, seed: 51, scale: 2))
        let probs = buffer(count: N * V), logProbs = buffer(count: N)
        let targets: [Int32] = [2, 6, 0]
        let weights: [Float] = [0.7, 0, -1.3]
        defer { [logits, probs, logProbs].forEach { $0.deallocate() } }
        func loss() -> Double {
            targets.withUnsafeBufferPointer {
                crossEntropyForward(probs: probs, targetLogProbs: logProbs, logits: logits, targets: $0.baseAddress!, N: N, V: V)
            }
            return (0..<N).reduce(0.0) { $0 - Double(weights[$1]) * Double(logProbs[$1]) }
        }
        _ = loss()
        for n in 0..<N {
            let sum = (0..<V).reduce(Float(0)) { $0 + probs[n * V + $1] }
            #expect(abs(sum - 1) < 1e-5)
            #expect(abs(logProbs[n] - log(probs[n * V + Int(targets[n])])) < 1e-5)
        }
        let dlogits = buffer(count: N * V)
        defer { dlogits.deallocate() }
        targets.withUnsafeBufferPointer { t in
            weights.withUnsafeBufferPointer { w in
                crossEntropyBackward(dlogits: dlogits, probs: probs, targets: t.baseAddress!, weights: w.baseAddress!, N: N, V: V)
            }
        }
        let fine = GradientCheck(epsilon: 1e-3, relativeTolerance: 1e-2, absoluteTolerance: 1e-3)
        #expect(fine.mismatches(of: logits, analytic: array(dlogits, N * V), indices: 0..<(N * V), loss: loss).isEmpty)
    }

    @Test func crossEntropyForwardMayWriteProbabilitiesOverItsLogits() {
        let N = 2, V = 5
        let values = randomFloats(N * V, seed: 52)
        let separate = buffer(values), inPlace = buffer(values), probs = buffer(count: N * V)
        let lp1 = buffer(count: N), lp2 = buffer(count: N)
        defer { [separate, inPlace, probs, lp1, lp2].forEach { $0.deallocate() } }
        let targets: [Int32] = [3, 1]
        targets.withUnsafeBufferPointer { t in
            crossEntropyForward(probs: probs, targetLogProbs: lp1, logits: separate, targets: t.baseAddress!, N: N, V: V)
            crossEntropyForward(probs: inPlace, targetLogProbs: lp2, logits: inPlace, targets: t.baseAddress!, N: N, V: V)
        }
        #expect(array(probs, N * V) == array(inPlace, N * V))
        #expect(array(lp1, N) == array(lp2, N))
    }

    /// The checks above must be able to fail: the same checker rejects
    /// gradients with one coordinate 5% off, a missing term, or a flipped sign.
    @Test func deliberatelyWrongGradientsFailTheCheck() {
        let N = 5, C = 4, OC = 3
        let inp = buffer(randomFloats(N * C, seed: 1))
        let weight = buffer(randomFloats(OC * C, seed: 2))
        let out = buffer(count: N * OC)
        let R = randomFloats(N * OC, seed: 4)
        defer { [inp, weight, out].forEach { $0.deallocate() } }
        func loss() -> Double {
            matmulForward(out: out, inp: inp, weight: weight, bias: nil, N: N, C: C, OC: OC)
            return dotDouble(out, R)
        }
        var (_, dweight, _) = matmulGradients(inp: inp, weight: weight, R: R, N: N, C: C, OC: OC)
        let largest = dweight.indices.max { abs(dweight[$0]) < abs(dweight[$1]) }!
        dweight[largest] *= 1.05
        let found = check.mismatches(of: weight, analytic: dweight, indices: 0..<(OC * C), loss: loss)
        #expect(found.map(\.index) == [largest])

        // GELU′ without the tanh-derivative term.
        let x = buffer((0..<17).map { Float($0) * 0.5 - 4 }), y = buffer(count: 17)
        defer { [x, y].forEach { $0.deallocate() } }
        let wrong = (0..<17).map { i -> Float in 0.5 * (1 + tanh(0.7978845608 * (x[i] + 0.044715 * x[i] * x[i] * x[i]))) }
        let geluMismatches = check.mismatches(of: x, analytic: wrong, indices: 0..<17) {
            geluForward(out: y, inp: x, N: 17)
            return (0..<17).reduce(0.0) { $0 + Double(y[$1]) }
        }
        #expect(geluMismatches.count >= 8)

        // A directional check notices one flipped coordinate among many.
        dweight[largest] /= 1.05
        let all = Array(0..<(OC * C))
        #expect(check.directionalMismatch(of: weight, analytic: dweight, indices: all, seed: 9, loss: loss) == nil)
        dweight[largest] = -dweight[largest]
        #expect(check.directionalMismatch(of: weight, analytic: dweight, indices: all, seed: 9, loss: loss) != nil)
    }

    private func matmulGradients(
        inp: UnsafeMutablePointer<Float>, weight: UnsafeMutablePointer<Float>, R: [Float], N: Int, C: Int, OC: Int
    ) -> ([Float], [Float], [Float]) {
        let dinp = buffer(count: N * C), dweight = buffer(count: OC * C), dbias = buffer(count: OC), dout = buffer(R)
        defer { [dinp, dweight, dbias, dout].forEach { $0.deallocate() } }
        matmulBackward(dinp: dinp, dweight: dweight, dbias: dbias, dout: dout, inp: inp, weight: weight, N: N, C: C, OC: OC)
        return (array(dinp, N * C), array(dweight, OC * C), array(dbias, OC))
    }
}

func buffer(_ values: [Float]) -> UnsafeMutablePointer<Float> {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: max(values.count, 1))
    p.initialize(repeating: 0, count: max(values.count, 1))
    for (i, v) in values.enumerated() { p[i] = v }
    return p
}

func buffer(count: Int) -> UnsafeMutablePointer<Float> { buffer([Float](repeating: 0, count: count)) }

func array(_ p: UnsafePointer<Float>, _ count: Int) -> [Float] { Array(UnsafeBufferPointer(start: p, count: count)) }
