import Shared
@testable import Policy

/// Central finite differences against an analytic gradient, for the layer
/// and model gradient tests.
///
/// The layers run in float32, so the loss is summed in Double and each
/// coordinate passes when |analytic − numeric| ≤ absolute + relative ·
/// max(|analytic|, |numeric|): the relative part catches wrong scales, the
/// absolute floor absorbs float32 rounding in coordinates whose gradient is
/// nearly 0.
struct GradientCheck {
    var epsilon: Float
    var relativeTolerance: Double
    var absoluteTolerance: Double

    struct Mismatch: CustomStringConvertible {
        let index: Int
        let analytic: Double
        let numeric: Double
        var description: String { "[\(index)] analytic \(analytic) numeric \(numeric)" }
    }

    /// Numeric ∂loss/∂x[i] by central differences; restores x[i].
    func numericDerivative(_ x: UnsafeMutablePointer<Float>, _ i: Int, loss: () -> Double) -> Double {
        let saved = x[i]
        x[i] = saved + epsilon
        let plus = loss()
        x[i] = saved - epsilon
        let minus = loss()
        x[i] = saved
        // The perturbation actually applied, after float rounding.
        let step = Double(saved + epsilon) - Double(saved - epsilon)
        return (plus - minus) / step
    }

    func agrees(_ analytic: Double, _ numeric: Double) -> Bool {
        abs(analytic - numeric) <= absoluteTolerance + relativeTolerance * max(abs(analytic), abs(numeric))
    }

    /// Coordinates of x (among `indices`) whose analytic gradient disagrees
    /// with central differences of `loss`.
    func mismatches(
        of x: UnsafeMutablePointer<Float>, analytic: [Float], indices: some Sequence<Int>, loss: () -> Double
    ) -> [Mismatch] {
        var result: [Mismatch] = []
        for i in indices {
            let numeric = numericDerivative(x, i, loss: loss)
            if !agrees(Double(analytic[i]), numeric) {
                result.append(Mismatch(index: i, analytic: Double(analytic[i]), numeric: numeric))
            }
        }
        return result
    }

    /// Directional derivative along a random unit direction d (entries
    /// ±1/√n) over `indices`: numeric (loss(x + εd) − loss(x − εd)) / 2ε
    /// against Σ analytic·d. Checks every coordinate at once.
    func directionalMismatch(
        of x: UnsafeMutablePointer<Float>, analytic: [Float], indices: [Int], seed: UInt64, loss: () -> Double
    ) -> Mismatch? {
        var generator = SplitMix64(seed: seed)
        let entry = 1 / Float(indices.count).squareRoot()
        let direction = indices.map { _ in generator.next() & 1 == 0 ? entry : -entry }
        let saved = indices.map { x[$0] }
        var expected = 0.0
        for (k, i) in indices.enumerated() { expected += Double(analytic[i]) * Double(direction[k]) }
        for (k, i) in indices.enumerated() { x[i] = saved[k] + epsilon * direction[k] }
        let plus = loss()
        for (k, i) in indices.enumerated() { x[i] = saved[k] - epsilon * direction[k] }
        let minus = loss()
        for (k, i) in indices.enumerated() { x[i] = saved[k] }
        let numeric = (plus - minus) / (2 * Double(epsilon))
        return agrees(expected, numeric) ? nil : Mismatch(index: -1, analytic: expected, numeric: numeric)
    }
}

/// Deterministic test data.
func randomFloats(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var generator = GaussianGenerator(seed: seed)
    return (0..<count).map { _ in scale * generator.next() }
}

/// Σ a[i]·b[i] in Double.
func dotDouble(_ a: UnsafePointer<Float>, _ b: [Float]) -> Double {
    var total = 0.0
    for i in 0..<b.count { total += Double(a[i]) * Double(b[i]) }
    return total
}
