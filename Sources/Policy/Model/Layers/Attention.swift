// Multi-head causal self-attention. Each row of qkv is [q | k | v] with the
// heads side by side inside each part, so a head's Q, K and V are strided
// (T, hs) matrices with row stride 3C that sgemm reads in place: no copies.

/// out (B, T, C) = per head softmax(Q Kᵀ / √hs, causal) · V;
/// qkv (B, T, 3C); att (B, NH, T, T) keeps the softmax weights (0 above the diagonal).
func attentionForward(
    out: UnsafeMutablePointer<Float>, att: UnsafeMutablePointer<Float>,
    qkv: UnsafePointer<Float>, B: Int, T: Int, C: Int, NH: Int
) {
    let hs = C / NH
    let scale = 1 / Float(hs).squareRoot()
    parallelFor(B * NH, minimumPerPart: attentionHeadsPerPart(T: T, hs: hs)) { _, heads in
        for head in heads {
            let b = head / NH, h = head % NH
            let q = qkv + b * T * 3 * C + h * hs
            let k = q + C
            let v = q + 2 * C
            let a = att + (b * NH + h) * T * T
            sgemm(
                transA: false, transB: true, M: T, N: T, K: hs,
                alpha: scale, A: q, lda: 3 * C, B: k, ldb: 3 * C, beta: 0, C: a, ldc: T)
            for t in 0..<T { causalSoftmaxRow(a + t * T, visible: t + 1, length: T) }
            sgemm(
                transA: false, transB: false, M: T, N: hs, K: T,
                alpha: 1, A: a, lda: T, B: v, ldb: 3 * C, beta: 0, C: out + b * T * C + h * hs, ldc: C)
        }
    }
}

/// In place: row[0..<visible] = softmax(row[0..<visible]); row[visible..<length] = 0.
@inline(__always)
func causalSoftmaxRow(_ row: UnsafeMutablePointer<Float>, visible: Int, length: Int) {
    let maxValue = vectorMax(row, visible)
    for s in 0..<visible { row[s] = fastExp(row[s] - maxValue) }
    let inverseSum = 1 / vectorSum(row, visible)
    for s in 0..<visible { row[s] *= inverseSum }
    for s in visible..<length { row[s] = 0 }
}

/// Heads per parallel part: enough work (≳1 MFLOP) to pay for a thread.
@inline(__always)
func attentionHeadsPerPart(T: Int, hs: Int) -> Int {
    max(1, (1 << 20) / max(1, 4 * T * T * hs))
}

/// dqkv (B, T, 3C), overwritten, from dout (B, T, C), qkv (B, T, 3C) and att (B, NH, T, T).
/// `scratch` holds parallelParts · T·T floats (one head's attention gradient
/// per part at a time).
func attentionBackward(
    dqkv: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
    dout: UnsafePointer<Float>, qkv: UnsafePointer<Float>, att: UnsafePointer<Float>,
    B: Int, T: Int, C: Int, NH: Int
) {
    let hs = C / NH
    let scale = 1 / Float(hs).squareRoot()
    parallelFor(B * NH, minimumPerPart: attentionHeadsPerPart(T: T, hs: hs)) { part, heads in
        for head in heads {
            let b = head / NH, h = head % NH
            let q = qkv + b * T * 3 * C + h * hs
            let k = q + C
            let v = q + 2 * C
            let dq = dqkv + b * T * 3 * C + h * hs
            let dk = dq + C
            let dv = dq + 2 * C
            let dy = dout + b * T * C + h * hs
            let a = att + (b * NH + h) * T * T
            let da = scratch + part * T * T
            // da (T, T) = dY · Vᵀ;  dV (T, hs) = Aᵀ · dY
            sgemm(
                transA: false, transB: true, M: T, N: T, K: hs,
                alpha: 1, A: dy, lda: C, B: v, ldb: 3 * C, beta: 0, C: da, ldc: T)
            sgemm(
                transA: true, transB: false, M: T, N: hs, K: T,
                alpha: 1, A: a, lda: T, B: dy, ldb: C, beta: 0, C: dv, ldc: 3 * C)
            // Softmax backward, row by row: dpre = A ⊙ (dA − Σ_s A·dA); 0 where masked.
            for t in 0..<T {
                let aRow = a + t * T
                let dRow = da + t * T
                let visible = t + 1
                let dotAD = vectorDot(aRow, dRow, visible)
                for s in 0..<visible { dRow[s] = aRow[s] * (dRow[s] - dotAD) }
                for s in visible..<T { dRow[s] = 0 }
            }
            // dQ = dpre · K / √hs;  dK = dpreᵀ · Q / √hs
            sgemm(
                transA: false, transB: false, M: T, N: hs, K: T,
                alpha: scale, A: da, lda: T, B: k, ldb: 3 * C, beta: 0, C: dq, ldc: 3 * C)
            sgemm(
                transA: true, transB: false, M: T, N: hs, K: T,
                alpha: scale, A: da, lda: T, B: q, ldb: 3 * C, beta: 0, C: dk, ldc: 3 * C)
        }
    }
}
