/// How an iteration's budget was split.
struct AllocationSummary: Codable, Sendable, Equatable {
    var min: Int
    var median: Double
    var max: Int
    var promptsAtZero: Int
    var fellBackToUniform: Bool

    init?(counts: [Int], fellBackToUniform: Bool) {
        guard let summary = Summary(counts.map(Double.init)) else { return nil }
        min = Int(summary.min)
        median = summary.median
        max = Int(summary.max)
        promptsAtZero = counts.count { $0 == 0 }
        self.fellBackToUniform = fellBackToUniform
    }
}
