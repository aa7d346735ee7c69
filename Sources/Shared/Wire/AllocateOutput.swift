/// The line `gvm-coordinator allocate` prints:
/// `{"counts":[...],"ratios":[...],"unallocated":U}` (keys sorted), ending in a newline.
public enum AllocateOutput {
    public static func json(_ allocation: Allocation) throws(FieldError) -> [UInt8] {
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
        writer.raw("}\n")
        return writer.bytes
    }
}
