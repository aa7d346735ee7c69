/// What the allocation export needs: the dataset's size and the n_i of the
/// iteration's prompts, sorted by dataset position.
struct AllocationExport: Sendable {
    struct Entry: Sendable {
        var promptId: Int
        var count: Int
        var ratio: Double
        var presampleCount: Int
        /// Runs with history statistics: the estimate the allocation used.
        var history: PromptHistoryRecord?
        /// Runs in rounds: what the prompt left unspent of its n_i (0 while drawing).
        var unspent: Int?
    }

    var datasetSize: Int
    var allocated: [Entry]
    /// The iteration's budget figures, as in its summary.
    var budget: Int
    var unallocated: Int
    var generationBudget: Int?
    /// Runs in rounds: the iteration's unspent samples, as in its summary.
    var unspent: Int?

    /// The export's arrays, in the order they are written.
    enum Column: String, CaseIterable, Sendable {
        case counts, ratios, presampleCounts, posteriorA, posteriorB, gradNormEstimates, unspentCounts

        var isHistory: Bool { [.posteriorA, .posteriorB, .gradNormEstimates].contains(self) }

        /// Whether the export of `export` carries this column.
        func isWritten(in export: AllocationExport) -> Bool {
            switch self {
            case .posteriorA, .posteriorB, .gradNormEstimates: export.hasHistory
            case .unspentCounts: export.unspent != nil
            default: true
            }
        }

        /// What a prompt outside the iteration shows.
        var absent: String { isHistory ? "null" : "0" }

        func value(of entry: Entry) -> String {
            switch self {
            case .counts: String(entry.count)
            case .ratios: "\(entry.ratio)"
            case .presampleCounts: String(entry.presampleCount)
            case .posteriorA: entry.history.map { "\($0.posteriorA)" } ?? "null"
            case .posteriorB: entry.history.map { "\($0.posteriorB)" } ?? "null"
            case .gradNormEstimates: entry.history.map { "\($0.gradNormEstimate)" } ?? "null"
            case .unspentCounts: String(entry.unspent ?? 0)
            }
        }
    }

    /// Whether the export carries the history's estimates.
    var hasHistory: Bool { allocated.contains { $0.history != nil } }
}
