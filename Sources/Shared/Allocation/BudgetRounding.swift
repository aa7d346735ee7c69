/// Turns scaled shares (ratio_i * N, or the cap's water-filled values) into
/// whole counts that sum to `total` exactly: round half to even, then repair
/// the total by residuals, ties to the lower index (steps 6 and 7 of
/// `docs/allocation-rule.md`). `total` is the budget less what the cap left unallocated.
///
/// The repair touches at most m/2 prompts, so it uses a partial selection
/// (expected O(m)) instead of sorting all residuals.
enum BudgetRounding {
    static func counts(forScaled shares: [Double], total budget: Int) -> [Int] {
        let count = shares.count
        var counts = [Int](repeating: 0, count: count)
        var residuals = [Double](repeating: 0, count: count)
        var total = 0
        for i in 0..<count {
            let scaled = shares[i]
            let rounded = scaled.rounded(.toNearestOrEven)
            counts[i] = Int(rounded)
            residuals[i] = scaled - rounded
            total += counts[i]
        }

        var missing = budget - total
        guard missing != 0 else { return counts }
        var order = [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count { buffer[i] = Int32(truncatingIfNeeded: i) }
            initialized = count
        }
        // Rounding moves each prompt by at most half a sample, so one pass
        // suffices; the loop only guards against floating-point slack.
        while missing != 0 {
            let adjust = min(abs(missing), count)
            residuals.withUnsafeBufferPointer { residual in
                if missing > 0 {
                    // Short: the largest residuals gain one sample.
                    PartialSelection.selectFirst(adjust, of: &order) { a, b in
                        residual[Int(a)] > residual[Int(b)] || (residual[Int(a)] == residual[Int(b)] && a < b)
                    }
                } else {
                    // Over: the smallest (most negative) residuals give one back.
                    PartialSelection.selectFirst(adjust, of: &order) { a, b in
                        residual[Int(a)] < residual[Int(b)] || (residual[Int(a)] == residual[Int(b)] && a < b)
                    }
                }
            }
            let step = missing > 0 ? 1 : -1
            for position in 0..<adjust {
                let i = Int(order[position])
                counts[i] += step
                residuals[i] -= Double(step)
            }
            missing -= step * adjust
        }
        return counts
    }
}
