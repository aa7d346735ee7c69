import Foundation
import Shared

/// Standard normal draws (Box–Muller) from a SplitMix64 stream.
struct GaussianGenerator {
    private var generator: SplitMix64
    private var spare: Float?

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    mutating func next() -> Float {
        if let spare {
            self.spare = nil
            return spare
        }
        // u1 in (0, 1] so that log(u1) is finite.
        let u1 = (Double(generator.next() >> 11) + 1) * 0x1p-53
        let u2 = Double(generator.next() >> 11) * 0x1p-53
        let radius = (-2 * log(u1)).squareRoot()
        spare = Float(radius * sin(2 * Double.pi * u2))
        return Float(radius * cos(2 * Double.pi * u2))
    }
}
