import Foundation
import TestSupport
import Testing

/// One case of `allocation-vectors.json` (copied from the spec).
struct AllocationVector: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var strategy: String
    var gradNorms: [Double]
    var acceptRates: [Double]
    var alpha: Double
    var beta: Double
    var budget: Int
    var filterThreshold: Double
    var filterInsufficient: Double
    var expectedRatios: [Double]?
    var expectedCounts: [Int]?
    var expectError: Bool?
    /// The cap C; absent means 0 (no cap). A number here, since the spec
    /// also lists a fractional cap that must be refused.
    var maxSamplesPerPrompt: Double?
    /// U; absent means 0.
    var expectedUnallocated: Int?

    var testDescription: String { name }

    static func all() throws -> [AllocationVector] {
        struct File: Decodable { var cases: [AllocationVector] }
        return try JSONDecoder().decode(File.self, from: Fixtures.data("allocation-vectors.json")).cases
    }
}

