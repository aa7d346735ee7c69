import Shared
import Testing
@testable import Policy

/// The count sketch of the mechanism benchmark: unbiased for inner products
/// over the choice of seed, and one fixed map per seed.
@Suite struct CountSketchTests {
    static func sketch(_ x: [Float], _ sketch: CountSketch) -> [Float] {
        var out = [Float](repeating: .nan, count: sketch.dimensions)
        x.withUnsafeBufferPointer { input in out.withUnsafeMutableBufferPointer { sketch.sketch(input, into: $0) } }
        return out
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    @Test("over many seeds the mean of <Sx, Sy> is <x, y> within Monte-Carlo error")
    func innerProductsUnbiased() {
        let n = 300, D = 16, seeds = 2000
        let x = randomFloats(n, seed: 1)
        let noise = randomFloats(n, seed: 2)
        let y = zip(x, noise).map { $0 + $1 }
        let exact = Self.dot(x, y)
        var values: [Double] = []
        for seed in 0..<seeds {
            let sketch = CountSketch(inputCount: n, dimensions: D, seed: UInt64(seed))
            values.append(Self.dot(Self.sketch(x, sketch), Self.sketch(y, sketch)))
        }
        let mean = values.reduce(0, +) / Double(seeds)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(seeds - 1)
        let standardError = (variance / Double(seeds)).squareRoot()
        #expect(abs(mean - exact) <= 4 * standardError, "mean \(mean), exact \(exact), standard error \(standardError)")
        // Collisions make a single sketch noisy, but not so noisy that the
        // check above could not fail.
        #expect(variance > 0 && standardError < 0.05 * exact, "standard error \(standardError), exact \(exact)")
    }

    @Test("a seed fixes the map: the same seed sketches alike, another seed differently")
    func fixedBySeed() {
        let x = randomFloats(1000, seed: 3)
        let a = Self.sketch(x, CountSketch(inputCount: 1000, dimensions: 64, seed: 9))
        let b = Self.sketch(x, CountSketch(inputCount: 1000, dimensions: 64, seed: 9))
        let c = Self.sketch(x, CountSketch(inputCount: 1000, dimensions: 64, seed: 10))
        #expect(a.map(\.bitPattern) == b.map(\.bitPattern))
        #expect(a != c)
        #expect(!a.contains { $0.isNaN }, "every output is overwritten")
    }

    /// The map the Python side may rebuild: v_j, the j-th SplitMix64 output,
    /// gives bucket (v_j >> 32) mod D and sign − for an odd v_j.
    @Test("coordinate j lands in bucket (v_j >> 32) mod D with sign from v_j's lowest bit")
    func documentedHashAndSign() {
        let n = 50, D = 8
        let sketch = CountSketch(inputCount: n, dimensions: D, seed: 77)
        var generator = SplitMix64(seed: 77)
        for j in 0..<n {
            let value = generator.next()
            var basis = [Float](repeating: 0, count: n)
            basis[j] = 1
            var expected = [Float](repeating: 0, count: D)
            expected[Int((value >> 32) % UInt64(D))] = value & 1 == 0 ? 1 : -1
            #expect(Self.sketch(basis, sketch) == expected, "coordinate \(j)")
        }
    }

    @Test func dimensionsArePowersOfTwo() {
        #expect([1, 2, 64, 4096].allSatisfy(CountSketch.isValidDimensions))
        #expect(![0, -4, 3, 100, 4095].contains(where: CountSketch.isValidDimensions))
    }
}
