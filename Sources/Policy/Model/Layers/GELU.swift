// GELU with GPT-2's tanh approximation, between the two MLP projections.

private let geluScale: Float = 0.7978845608028654  // √(2/π)

/// out (N) = ½ · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))), x = inp (N).
/// Works in place, but out and inp in different buffers run several times
/// faster: the vectoriser gives up on overlapping pointers.
func geluForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, N: Int) {
    parallelFor(N, minimumPerPart: 1 << 15) { _, range in
        for i in range {
            let x = inp[i]
            let u = geluScale * (x + 0.044715 * x * x * x)
            out[i] = 0.5 * x * (1 + fastTanh(u))
        }
    }
}

/// dinp (N) = dout (N) · gelu′(inp (N)), overwritten. dinp may be dout
/// itself, but (as for the forward) separate buffers are much faster.
func geluBackward(dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, dout: UnsafePointer<Float>, N: Int) {
    parallelFor(N, minimumPerPart: 1 << 15) { _, range in
        for i in range {
            let x = inp[i]
            let u = geluScale * (x + 0.044715 * x * x * x)
            let th = fastTanh(u)
            let sech2 = 1 - th * th
            let local = 0.5 * (1 + th) + 0.5 * x * sech2 * geluScale * (1 + 3 * 0.044715 * x * x)
            dinp[i] = dout[i] * local
        }
    }
}
