// Linear layer: the model's four projections per block and the output head.

/// out (N, OC) = inp (N, C) · weight (OC, C)ᵀ + bias (OC)
func matmulForward(
    out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, N: Int, C: Int, OC: Int
) {
    if let bias {
        for n in 0..<N { (out + n * OC).update(from: bias, count: OC) }
    }
    sgemm(
        transA: false, transB: true, M: N, N: OC, K: C,
        alpha: 1, A: inp, lda: C, B: weight, ldb: C, beta: bias == nil ? 0 : 1, C: out, ldc: OC)
}

/// dinp (N, C) = dout (N, OC) · weight (OC, C), overwritten;
/// dweight (OC, C) += doutᵀ · inp (N, C); dbias (OC) += Σ_n dout.
/// Any of dinp, dweight, dbias may be nil to skip that product.
func matmulBackward(
    dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?, dbias: UnsafeMutablePointer<Float>?,
    dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, N: Int, C: Int, OC: Int
) {
    if let dinp {
        sgemm(
            transA: false, transB: false, M: N, N: C, K: OC,
            alpha: 1, A: dout, lda: OC, B: weight, ldb: C, beta: 0, C: dinp, ldc: C)
    }
    if let dweight {
        sgemm(
            transA: true, transB: false, M: OC, N: C, K: N,
            alpha: 1, A: dout, lda: OC, B: inp, ldb: C, beta: 1, C: dweight, ldc: C)
    }
    if let dbias {
        for n in 0..<N { addInPlace(dbias, dout + n * OC, OC) }
    }
}
