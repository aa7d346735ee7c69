/// Quickselect over an index buffer: afterwards the first `k` positions hold
/// the `k` first elements under `precedes`, in no particular order.
///
/// `precedes` must be a strict total order (callers break ties by index), so
/// the selected set is unique and the result does not depend on pivots.
enum PartialSelection {
    static func selectFirst(_ k: Int, of order: inout [Int32], by precedes: (Int32, Int32) -> Bool) {
        guard k > 0, k < order.count else { return }
        let target = k - 1
        // A fixed-seed generator keeps pivots unpredictable to adversarial
        // inputs but every run identical.
        var generator = SplitMix64(seed: 0x9E37_79B9_7F4A_7C15)
        order.withUnsafeMutableBufferPointer { items in
            var low = 0
            var high = items.count - 1
            while low < high {
                let pivotIndex = low + Int(generator.next() % UInt64(high - low + 1))
                items.swapAt(pivotIndex, high)
                let pivot = items[high]
                var store = low
                for i in low..<high where precedes(items[i], pivot) {
                    items.swapAt(i, store)
                    store += 1
                }
                items.swapAt(store, high)
                if store == target { return }
                if store < target { low = store + 1 } else { high = store - 1 }
            }
        }
    }
}
