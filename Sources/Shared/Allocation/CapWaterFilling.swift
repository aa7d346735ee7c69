/// Step 5 of `docs/allocation-rule.md`: the scaled shares scaled_i of the budget N, with
/// the per-prompt cap C applied by water-filling over the allocatable prompts
/// A = {i : ratio_i > 0} (counted after the filters).
///
/// - Without a cap (C = 0), scaled_i = ratio_i * N.
/// - If |A| * C <= N, every prompt of A gets C and U = N - |A| * C stays
///   unallocated.
/// - Otherwise prompts whose share exceeds C are capped, and the rest of the
///   budget is shared again in proportion to the ratios of the uncapped ones,
///   until no share exceeds C. Capped shares are exactly C, a whole number,
///   so rounding never takes a prompt past the cap.
enum CapWaterFilling {
    struct Shares {
        var scaled: [Double]
        var unallocated: Int
    }

    static func shares(ratios: [Double], budget: Int, cap: Int) -> Shares {
        let total = Double(budget)
        // With no budget there is nothing to cap.
        guard cap > 0, budget > 0 else { return Shares(scaled: ratios.map { $0 * total }, unallocated: 0) }
        let capValue = Double(cap)
        var scaled = [Double](repeating: 0, count: ratios.count)
        var uncapped = [Int32]()
        uncapped.reserveCapacity(ratios.count)
        for i in ratios.indices where ratios[i] > 0 { uncapped.append(Int32(truncatingIfNeeded: i)) }

        let (holdable, overflow) = uncapped.count.multipliedReportingOverflow(by: cap)
        if !overflow, holdable <= budget {
            for i in uncapped { scaled[Int(i)] = capValue }
            return Shares(scaled: scaled, unallocated: budget - holdable)
        }

        // |A| * C > N: the uncapped prompts can never all exceed C (their
        // shares sum to what is left, which is less than their number times
        // C), so `uncapped` never empties and T stays positive.
        var cappedCount = 0
        ratios.withUnsafeBufferPointer { ratio in
            while true {
                let remaining = total - capValue * Double(cappedCount)
                var ratioSum = 0.0
                for i in uncapped { ratioSum += ratio[Int(i)] }
                var stillUncapped = [Int32]()
                stillUncapped.reserveCapacity(uncapped.count)
                for i in uncapped {
                    let share = ratio[Int(i)] * remaining / ratioSum
                    if share > capValue {
                        scaled[Int(i)] = capValue
                        cappedCount += 1
                    } else {
                        scaled[Int(i)] = share
                        stillUncapped.append(i)
                    }
                }
                if stillUncapped.count == uncapped.count { return }
                uncapped = stillUncapped
            }
        }
        return Shares(scaled: scaled, unallocated: 0)
    }
}
