// Token plus position embedding: the first layer of the model.

/// out (B, T, C) = wte[inp[b, t]] (V, C) + wpe[t] (maxT, C); inp (B, T)
func encoderForward(
    out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Int32>,
    wte: UnsafePointer<Float>, wpe: UnsafePointer<Float>, B: Int, T: Int, C: Int
) {
    for b in 0..<B {
        for t in 0..<T {
            let o = out + (b * T + t) * C
            let tokenRow = wte + Int(inp[b * T + t]) * C
            let positionRow = wpe + t * C
            for i in 0..<C { o[i] = tokenRow[i] + positionRow[i] }
        }
    }
}

/// dwte (V, C) += scatter of dout rows by token; dwpe (maxT, C) += dout rows by position.
/// dout (B, T, C), inp (B, T)
func encoderBackward(
    dwte: UnsafeMutablePointer<Float>?, dwpe: UnsafeMutablePointer<Float>?,
    dout: UnsafePointer<Float>, inp: UnsafePointer<Int32>, B: Int, T: Int, C: Int
) {
    for b in 0..<B {
        for t in 0..<T {
            let d = dout + (b * T + t) * C
            if let dwte { addInPlace(dwte + Int(inp[b * T + t]) * C, d, C) }
            if let dwpe { addInPlace(dwpe + t * C, d, C) }
        }
    }
}
