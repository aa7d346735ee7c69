import Foundation
import Testing
@testable import Policy

/// The hand-written kernels the layers share, against libm and plain loops.
@Suite struct LayerMathTests {
    @Test func fastExpMatchesExpToAFewUlp() {
        var worst = 0.0
        for i in 0...20_000 {
            let x = Float(i) * 0.005 - 80  // −80 ... 20
            let exact = exp(Double(x))
            worst = max(worst, abs(Double(fastExp(x)) - exact) / exact)
        }
        #expect(worst < 5e-7, "worst relative error \(worst)")
        #expect(fastExp(0) == 1)
        #expect(fastExp(-200) == 0)
        #expect(fastExp(-1000).isFinite && fastExp(200).isFinite)
    }

    @Test func fastTanhMatchesTanhToAFewUlp() {
        var worst = 0.0
        for i in 0...20_000 {
            let x = Float(i) * 0.001 - 10
            worst = max(worst, abs(Double(fastTanh(x)) - tanh(Double(x))))
        }
        #expect(worst < 1e-6, "worst absolute error \(worst)")
        #expect(fastTanh(50) == 1 && fastTanh(-50) == -1)
    }

    @Test func vectorReductionsMatchPlainLoops() {
        for n in [1, 7, 8, 9, 31, 100] {
            let a = randomFloats(n, seed: UInt64(n))
            let b = randomFloats(n, seed: UInt64(n) + 100)
            let pa = buffer(a), pb = buffer(b)
            defer { pa.deallocate(); pb.deallocate() }
            let sum = a.reduce(0.0) { $0 + Double($1) }
            let dot = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            #expect(abs(Double(vectorSum(pa, n)) - sum) < 1e-4)
            #expect(abs(Double(vectorDot(pa, pb, n)) - dot) < 1e-4)
            #expect(vectorMax(pa, n) == a.max()!)
        }
    }
}
