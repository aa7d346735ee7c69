import Dispatch
import Foundation

// OpenBLAS spreads each large matrix product over the cores, but the
// elementwise layers and attention's many small per-head products (below
// OpenBLAS's threading threshold) would run on one core while the others
// wait. Like llm.c's `#pragma omp parallel for`, this splits such loops into
// contiguous parts run at once. Each part writes disjoint outputs, so the
// results do not depend on the number of parts.

/// Cores to split loops over.
let parallelParts = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 16))

/// Runs body(part, range) for contiguous ranges that tile 0..<count, at
/// most `parallelParts` of them and none shorter than `minimumPerPart`
/// (below which starting a thread costs more than it saves).
@inline(__always)
func parallelFor(_ count: Int, minimumPerPart: Int, _ body: (_ part: Int, _ range: Range<Int>) -> Void) {
    let parts = max(1, min(parallelParts, count / max(minimumPerPart, 1)))
    if parts == 1 {
        body(0, 0..<count)
        return
    }
    // The parts touch disjoint memory through raw pointers, which the
    // Sendable checking cannot see; concurrentPerform returns only when
    // every part is done, so body does not outlive this call.
    withoutActuallyEscaping(body) { body in
        nonisolated(unsafe) let body = body
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            body(part, (count * part / parts)..<(count * (part + 1) / parts))
        }
    }
}
