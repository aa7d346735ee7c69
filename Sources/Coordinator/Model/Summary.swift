/// Min, median, max and mean of a set of per-prompt values.
struct Summary: Codable, Sendable, Equatable {
    var min: Double
    var median: Double
    var max: Double
    var mean: Double

    init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        min = sorted[0]
        max = sorted[sorted.count - 1]
        let middle = sorted.count / 2
        median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        mean = values.reduce(0, +) / Double(values.count)
    }
}
