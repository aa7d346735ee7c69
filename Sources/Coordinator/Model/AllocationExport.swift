/// What the allocation export needs: the dataset's size and the n_i of the
/// iteration's prompts, sorted by dataset position.
struct AllocationExport: Sendable {
    var datasetSize: Int
    var allocated: [(promptId: Int, count: Int, ratio: Double)]
    /// The iteration's budget figures, as in its summary.
    var budget: Int
    var unallocated: Int
    var generationBudget: Int?
}
