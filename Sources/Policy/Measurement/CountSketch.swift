import Shared

/// A count sketch: a fixed random linear map from vectors of `inputCount`
/// floats to `dimensions` floats. Coordinate j lands in bucket h(j) with
/// sign s(j) ∈ {−1, +1}: sketch[h(j)] += s(j) · x[j]. Over the random choice
/// of h and s, E⟨Sx, Sy⟩ = ⟨x, y⟩, so inner products and norms of sketches
/// estimate those of the full vectors (relative error about √(2/D) per norm).
///
/// h and s depend on the seed alone, so the same seed sketches every vector
/// the same way: v_j, the j-th output of `SplitMix64(seed:)`, gives
/// h(j) = (v_j >> 32) mod D and s(j) = +1 when v_j's lowest bit is 0, else −1.
/// D must be a power of two, so that the modulus is an exact bit mask and
/// every bucket is equally likely.
public struct CountSketch: Sendable {
    public let inputCount: Int
    public let dimensions: Int
    public let seed: UInt64
    /// h(j), then s(j), per input coordinate: drawn once, read per vector.
    private let buckets: [Int32]
    private let signs: [Float]

    public static func isValidDimensions(_ dimensions: Int) -> Bool {
        dimensions >= 1 && dimensions <= 1 << 30 && dimensions & (dimensions - 1) == 0
    }

    public init(inputCount: Int, dimensions: Int, seed: UInt64) {
        precondition(inputCount >= 0, "inputCount must not be negative")
        precondition(Self.isValidDimensions(dimensions), "dimensions must be a power of two up to 2^30, got \(dimensions)")
        self.inputCount = inputCount
        self.dimensions = dimensions
        self.seed = seed
        var generator = SplitMix64(seed: seed)
        var buckets = [Int32](repeating: 0, count: inputCount)
        var signs = [Float](repeating: 0, count: inputCount)
        let mask = UInt64(dimensions - 1)
        for j in 0..<inputCount {
            let value = generator.next()
            buckets[j] = Int32((value >> 32) & mask)
            signs[j] = value & 1 == 0 ? 1 : -1
        }
        self.buckets = buckets
        self.signs = signs
    }

    /// Overwrites `output` (D floats) with the sketch of `input`
    /// (inputCount floats), summed in Float. Allocates nothing.
    public func sketch(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        precondition(input.count == inputCount, "expected \(inputCount) inputs, got \(input.count)")
        precondition(output.count == dimensions, "expected room for \(dimensions) outputs, got \(output.count)")
        guard let out = output.baseAddress else { return }
        out.update(repeating: 0, count: dimensions)
        guard let x = input.baseAddress else { return }
        buckets.withUnsafeBufferPointer { buckets in
            signs.withUnsafeBufferPointer { signs in
                for j in 0..<inputCount { out[Int(buckets[j])] += signs[j] * x[j] }
            }
        }
    }
}
