import COpenBLAS

// Small kernels shared by the layers. Swift does not reassociate float sums,
// so a plain `for` reduction runs one add per cycle at best; these keep eight
// partial sums in a SIMD register instead. The exp and tanh below are
// branch-free polynomials so that loops calling them vectorise, where calls to
// libm's expf/tanhf would not (tanhf alone would cost as much as the GELU
// layer's matrix product).

/// Σ p[0..<n]
@inline(__always)
func vectorSum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    let raw = UnsafeRawPointer(p)
    var acc = SIMD8<Float>()
    var i = 0
    while i + 8 <= n {
        acc += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        i += 8
    }
    var total = acc.sum()
    while i < n { total += p[i]; i += 1 }
    return total
}

/// Σ a[i]·b[i] over 0..<n
@inline(__always)
func vectorDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    var acc = SIMD8<Float>()
    var i = 0
    while i + 8 <= n {
        acc += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        i += 8
    }
    var total = acc.sum()
    while i < n { total += a[i] * b[i]; i += 1 }
    return total
}

/// max p[0..<n], n ≥ 1
@inline(__always)
func vectorMax(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    // Four independent running maxima (the generic SIMD pointwiseMax is not
    // inlined, and a single chain waits on each comparison).
    var m0 = p[0], m1 = p[0], m2 = p[0], m3 = p[0]
    var i = 0
    while i + 4 <= n {
        m0 = p[i] > m0 ? p[i] : m0
        m1 = p[i + 1] > m1 ? p[i + 1] : m1
        m2 = p[i + 2] > m2 ? p[i + 2] : m2
        m3 = p[i + 3] > m3 ? p[i + 3] : m3
        i += 4
    }
    while i < n { m0 = p[i] > m0 ? p[i] : m0; i += 1 }
    return Swift.max(Swift.max(m0, m1), Swift.max(m2, m3))
}

/// out[i] += inp[i] over 0..<n
@inline(__always)
func addInPlace(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ n: Int) {
    for i in 0..<n { out[i] += inp[i] }
}

/// eˣ to about 2 ulp (Cephes expf: 2ⁿ·e^r with |r| ≤ ln2/2, degree-6 polynomial).
/// Inputs below about −86.6 give 0 rather than a denormal, which no
/// softmax here can tell apart.
@inline(__always)
func fastExp(_ x: Float) -> Float {
    let clamped = x < -87.3 ? -87.3 : (x > 88.7 ? 88.7 : x)
    // Round to nearest by adding and removing 1.5·2²³; the sum's low
    // mantissa bits then hold n itself. Both avoid calls (rintf on baseline
    // x86-64) and trapping Float→Int conversions, which stop vectorisation.
    let shifted = clamped * 1.442695040888963 + 12_582_912
    let n = shifted - 12_582_912
    let r = clamped - n * 0.693359375 + n * 2.12194440e-4
    var p: Float = 1.9875691500e-4
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let er = p * r * r + r + 1
    // n ∈ [−126, 128] and 2¹²⁸ is not a float, so build 2ⁿ⁻¹ (exponent
    // field n + 126) and double it; n = −126 gives the bit pattern of 0.
    let half = Float(bitPattern: (shifted.bitPattern &- 0x4B40_0000 &+ 126) << 23)
    return er * half * 2
}

/// tanh(x) to a few ulp (Eigen's rational approximation, clamped where
/// tanh rounds to ±1 in float32).
@inline(__always)
func fastTanh(_ x: Float) -> Float {
    let c: Float = 7.90531110763549805
    let xc = x < -c ? -c : (x > c ? c : x)
    let x2 = xc * xc
    var p: Float = -2.76076847742355e-16
    p = p * x2 + 2.00018790482477e-13
    p = p * x2 - 8.60467152213735e-11
    p = p * x2 + 5.12229709037114e-08
    p = p * x2 + 1.48572235717979e-05
    p = p * x2 + 6.37261928875436e-04
    p = p * x2 + 4.89352455891786e-03
    p = p * xc
    var q: Float = 1.19825839466702e-06
    q = q * x2 + 1.18534705686654e-04
    q = q * x2 + 2.26843463243900e-03
    q = q * x2 + 4.89352518554385e-03
    return p / q
}

/// Σ p[i]² in Double.
func squaredNorm(_ p: UnsafePointer<Float>, _ n: Int) -> Double {
    // Float partial sums over short blocks keep the loop vectorised; the
    // Double total keeps a million-parameter sum accurate.
    var total = 0.0
    var start = 0
    while start < n {
        let count = min(4096, n - start)
        total += Double(vectorDot(p + start, p + start, count))
        start += count
    }
    return total
}

/// C (M, N) = alpha · op(A) · op(B) + beta · C, row-major, through OpenBLAS.
/// op(A) is (M, K) and op(B) is (K, N); lda/ldb/ldc are the row strides of the
/// stored matrices, which lets attention read heads in place from the
/// interleaved qkv rows.
@inline(__always)
func sgemm(
    transA: Bool, transB: Bool, M: Int, N: Int, K: Int,
    alpha: Float, A: UnsafePointer<Float>, lda: Int, B: UnsafePointer<Float>, ldb: Int,
    beta: Float, C: UnsafeMutablePointer<Float>, ldc: Int
) {
    cblas_sgemm(
        CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
        blasint(M), blasint(N), blasint(K), alpha, A, blasint(lda), B, blasint(ldb), beta, C, blasint(ldc))
}
