extension TransformerConfig {
    /// Floating-point operations (a multiply-add counts 2) of the matrix
    /// products in one forward pass over a B×T batch, as the model executes
    /// them: attention's Q·Kᵀ and A·V are full T×T products (the causal mask
    /// is applied after), so they count in full. Elementwise work (LayerNorm,
    /// GELU, softmax) is not counted.
    public func forwardFLOPs(batchSize B: Int, length T: Int) -> Double {
        let C = Double(width), V = Double(vocabSize), L = Double(layers)
        let rows = Double(B * T)
        // qkv (C→3C), attention projection (C→C), fc (C→4C), fc projection (4C→C)
        let projections = 2 * rows * 12 * C * C
        let attention = 2 * 2 * Double(B) * Double(T) * Double(T) * C
        let head = 2 * rows * C * V
        return L * (projections + attention) + head
    }

    /// Forward plus backward: every product of the forward pass has two of
    /// the same size in the backward pass (input and weight gradients; for
    /// attention, two per product), so three times the forward.
    public func trainingFLOPs(batchSize B: Int, length T: Int) -> Double {
        3 * forwardFLOPs(batchSize: B, length: T)
    }
}
