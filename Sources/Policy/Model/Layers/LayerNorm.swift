// LayerNorm over the channels of each row, with a learned gain and bias.

let layerNormEpsilon: Float = 1e-5

/// out (N, C) = (inp − mean) · rstd · weight (C) + bias (C), per row of inp (N, C);
/// mean (N) and rstd (N) = 1/√(var + ε) are kept for the backward pass.
func layerNormForward(
    out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
    inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, N: Int, C: Int
) {
    let invC = 1 / Float(C)
    for n in 0..<N {
        let x = inp + n * C
        let o = out + n * C
        let m = vectorSum(x, C) * invC
        // Two passes (centre, then square) for a variance that stays exact
        // when the mean is large compared with the spread.
        for i in 0..<C { o[i] = x[i] - m }
        let variance = vectorDot(o, o, C) * invC
        let s = 1 / (variance + layerNormEpsilon).squareRoot()
        for i in 0..<C { o[i] = o[i] * s * weight[i] + bias[i] }
        mean[n] = m
        rstd[n] = s
    }
}

/// dinp (N, C) += ∂/∂inp; dweight (C) += Σ_n dout · x̂; dbias (C) += Σ_n dout;
/// where x̂ = (inp − mean) · rstd and dout (N, C) is the gradient of out.
/// `scratch` holds C floats. dweight and dbias may be nil to skip them.
func layerNormBackward(
    dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>?, dbias: UnsafeMutablePointer<Float>?,
    dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>, N: Int, C: Int
) {
    let invC = 1 / Float(C)
    let xhat = scratch
    for n in 0..<N {
        let x = inp + n * C
        let d = dout + n * C
        let di = dinp + n * C
        let m = mean[n], s = rstd[n]
        for i in 0..<C { xhat[i] = (x[i] - m) * s }
        // dnorm = dout · weight; dinp = (dnorm − mean(dnorm) − x̂ · mean(dnorm · x̂)) · rstd
        var dnormMean: Float = 0, dnormXhatMean: Float = 0
        for i in 0..<C {
            let dnorm = d[i] * weight[i]
            dnormMean += dnorm
            dnormXhatMean += dnorm * xhat[i]
        }
        dnormMean *= invC
        dnormXhatMean *= invC
        for i in 0..<C {
            di[i] += (d[i] * weight[i] - dnormMean - xhat[i] * dnormXhatMean) * s
        }
        if let dweight { for i in 0..<C { dweight[i] += d[i] * xhat[i] } }
        if let dbias { addInPlace(dbias, d, C) }
    }
}
