/// The line `gvm-coordinator allocate` prints:
/// `{"counts":[...],"ratios":[...],"unallocated":U}` (keys sorted), ending in a newline.
public enum AllocateOutput {
    /// With `estimates` (a history file), the line also has `"history"`:
    /// per prompt, the posterior a and b, its mean and sd, G, the pre-samples
    /// the history gives, and the window's solved and hopeless flags.
    public static func json(_ allocation: Allocation, estimates: [PromptEstimate]? = nil, presamples: Int = 0) throws(FieldError) -> [UInt8] {
        // About 3 bytes a count and 20 a ratio: one allocation for the whole line.
        var writer = JSONByteWriter(reservingCapacity: 24 * allocation.counts.count + 64)
        writer.raw(#"{"counts":"#)
        writer.integers(allocation.counts)
        writer.raw(#","ratios":"#)
        do {
            try writer.numbers(allocation.ratios)
        } catch {
            // The strategies never produce one; refuse rather than print NaN.
            throw FieldError(field: "ratios[\(error.index ?? 0)]", problem: "is \(error.value), which JSON cannot hold")
        }
        writer.raw(#","unallocated":"#)
        writer.integer(allocation.unallocated)
        if let estimates {
            let columns: [(StaticString, [Double])] = [
                (#","history":{"posteriorA":"#, estimates.map(\.posteriorA)),
                (#","posteriorB":"#, estimates.map(\.posteriorB)),
                (#","mean":"#, estimates.map(\.mean)),
                (#","sd":"#, estimates.map(\.sd)),
                (#","gradNorms":"#, estimates.map(\.gradNorm)),
            ]
            for (key, values) in columns {
                writer.raw(key)
                do {
                    try writer.numbers(values)
                } catch {
                    throw FieldError(field: "history", problem: "holds \(error.value), which JSON cannot hold")
                }
            }
            writer.raw(#","presamples":"#)
            writer.integers(estimates.map { $0.uncertain ? presamples : 0 })
            writer.raw(#","solved":"#)
            writer.booleans(estimates.map(\.solved))
            writer.raw(#","hopeless":"#)
            writer.booleans(estimates.map(\.hopeless))
            writer.raw("}")
        }
        writer.raw("}\n")
        return writer.bytes
    }
}
