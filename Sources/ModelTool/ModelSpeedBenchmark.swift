import COpenBLAS
import Foundation
import Policy

/// The matrix products of one forward and backward pass, run as plain
/// `cblas_sgemm` calls on scratch buffers: the ceiling the model's own
/// forward and backward is compared against, at the very same sizes.
struct PlainGEMMWorkload {
    struct Product: Sendable {
        var transA: Bool, transB: Bool
        var M: Int, N: Int, K: Int
        /// How many times it runs per pass (attention runs per sequence and head).
        var repeats: Int
        var flops: Double { 2 * Double(M) * Double(N) * Double(K) * Double(repeats) }
    }

    let products: [Product]
    var flops: Double { products.reduce(0) { $0 + $1.flops } }

    /// The products `TransformerModel` runs for a B×T batch: each linear
    /// layer's forward, input-gradient and weight-gradient products, and
    /// attention's two products and their four gradient products per head.
    init(config: TransformerConfig, batchSize B: Int, length T: Int) {
        let C = config.width, V = config.vocabSize, hs = config.headSize, BT = B * T
        var products: [Product] = []
        func linear(in inputs: Int, out outputs: Int, repeats: Int) {
            products.append(Product(transA: false, transB: true, M: BT, N: outputs, K: inputs, repeats: repeats))
            products.append(Product(transA: false, transB: false, M: BT, N: inputs, K: outputs, repeats: repeats))
            products.append(Product(transA: true, transB: false, M: outputs, N: inputs, K: BT, repeats: repeats))
        }
        let L = config.layers
        linear(in: C, out: 3 * C, repeats: L)
        linear(in: C, out: C, repeats: L)
        linear(in: C, out: 4 * C, repeats: L)
        linear(in: 4 * C, out: C, repeats: L)
        linear(in: C, out: V, repeats: 1)
        let heads = B * config.heads * L
        // scores (T, T) = q (T, hs) · kᵀ, and its two gradients
        products.append(Product(transA: false, transB: true, M: T, N: T, K: hs, repeats: heads))
        products.append(Product(transA: false, transB: false, M: T, N: hs, K: T, repeats: heads))
        products.append(Product(transA: true, transB: false, M: T, N: hs, K: T, repeats: heads))
        // out (T, hs) = att (T, T) · v, and its two gradients
        products.append(Product(transA: false, transB: false, M: T, N: hs, K: T, repeats: heads))
        products.append(Product(transA: false, transB: true, M: T, N: T, K: hs, repeats: heads))
        products.append(Product(transA: true, transB: false, M: T, N: hs, K: T, repeats: heads))
        self.products = products
    }

    /// Runs every product once (with its repeats) and returns the seconds
    /// taken. OpenBLAS threads a large product itself but runs a small one
    /// (attention's, per head) on the calling thread, so those repeats are
    /// spread over one caller per core, as the model spreads its heads;
    /// otherwise the baseline would leave a core idle that the model uses.
    func run() -> Double {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let largest = products.map { max($0.M * $0.K, $0.K * $0.N, $0.M * $0.N) }.max()!
        nonisolated(unsafe) let a = UnsafeMutablePointer<Float>.allocate(capacity: largest)
        nonisolated(unsafe) let b = UnsafeMutablePointer<Float>.allocate(capacity: largest)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: largest * cores)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        a.initialize(repeating: 0.01, count: largest)
        b.initialize(repeating: 0.02, count: largest)
        c.initialize(repeating: 0, count: largest * cores)
        @Sendable func product(_ p: Product, into out: UnsafeMutablePointer<Float>) {
            let lda = p.transA ? p.M : p.K, ldb = p.transB ? p.K : p.N
            cblas_sgemm(
                CblasRowMajor, p.transA ? CblasTrans : CblasNoTrans, p.transB ? CblasTrans : CblasNoTrans,
                Int32(p.M), Int32(p.N), Int32(p.K), 1, a, Int32(lda), b, Int32(ldb), 0, out, Int32(p.N))
        }
        let start = DispatchTime.now().uptimeNanoseconds
        for p in products {
            if p.M * p.N * p.K >= 1 << 20 {
                for _ in 0..<p.repeats { product(p, into: c) }
            } else {
                let parts = min(cores, p.repeats)
                nonisolated(unsafe) let output = c
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    let share = p.repeats / parts + (part < p.repeats % parts ? 1 : 0)
                    for _ in 0..<share { product(p, into: output + part * largest) }
                }
            }
        }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
