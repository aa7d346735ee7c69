import Testing
@testable import Coordinator

@Suite("Work queueing plan (no database)")
struct WorkQueueingTests {
    /// Prompts with uneven counts, some zero, in batch order.
    static let prompts: [WorkQueueing.PlannedPrompt] = [7, 0, 3, 12, 1, 0, 0, 9].enumerated().map {
        WorkQueueing.PlannedPrompt(batchIndex: $0.offset, promptId: 100 + $0.offset * 3, count: $0.element)
    }

    /// What one pass over every prompt makes: the units of the old, single-transaction queueing.
    static func onePass(_ prompts: [WorkQueueing.PlannedPrompt], maxPerLease: Int) -> [WorkQueueing.Unit] {
        prompts.flatMap { prompt in
            IterationPlanner.slices(count: prompt.count, maxPerLease: maxPerLease).map {
                WorkQueueing.Unit(promptId: prompt.promptId, firstSampleIndex: $0.firstSampleIndex, sampleCount: $0.sampleCount)
            }
        }
    }

    /// Runs batches of `limit` from the start until the cursor passes the last prompt.
    static func allBatches(
        _ prompts: [WorkQueueing.PlannedPrompt], maxPerLease: Int, limit: Int
    ) -> [WorkQueueing.Batch] {
        var batches: [WorkQueueing.Batch] = []
        var cursor = WorkQueueing.Cursor.start
        while !WorkQueueing.isComplete(cursor, promptCount: prompts.count) {
            let batch = WorkQueueing.nextBatch(
                prompts: Array(prompts[cursor.batchIndex...]), from: cursor, maxPerLease: maxPerLease, limit: limit)
            #expect(batch.next != cursor, "every batch moves the cursor on")
            batches.append(batch)
            cursor = batch.next
        }
        return batches
    }

    @Test("batches of any size, resumed from their cursors, make exactly the units of one pass", arguments: [1, 2, 3, 5, 64])
    func batchesConcatenateToOnePass(limit: Int) {
        for maxPerLease in [1, 2, 4, 16] {
            let batches = Self.allBatches(Self.prompts, maxPerLease: maxPerLease, limit: limit)
            #expect(batches.flatMap(\.units) == Self.onePass(Self.prompts, maxPerLease: maxPerLease))
            #expect(batches.allSatisfy { $0.units.count <= limit })
            // Only the last batch may be short.
            #expect(batches.dropLast().allSatisfy { $0.units.count == limit })
        }
    }

    @Test("a batch that fills up inside a prompt resumes at the next slice of that prompt")
    func cursorInsideAPrompt() {
        let batch = WorkQueueing.nextBatch(prompts: Self.prompts, from: .start, maxPerLease: 2, limit: 7)
        // Prompt 0 has 7 samples (4 units), prompt 1 none, prompt 2 has 3 (2 units); the seventh unit is prompt 3's first.
        #expect(batch.units.count == 7)
        #expect(batch.units.last == WorkQueueing.Unit(promptId: 109, firstSampleIndex: 0, sampleCount: 2))
        #expect(batch.next == WorkQueueing.Cursor(batchIndex: 3, sampleIndex: 2))
        let rest = WorkQueueing.nextBatch(prompts: Array(Self.prompts[3...]), from: batch.next, maxPerLease: 2, limit: 1)
        #expect(rest.units == [WorkQueueing.Unit(promptId: 109, firstSampleIndex: 2, sampleCount: 2)])
    }

    @Test("a window ends after its last prompt, and prompts without samples only move the cursor")
    func windowAndEmptyPrompts() {
        let window = Array(Self.prompts[4...6])  // counts 1, 0, 0
        let batch = WorkQueueing.nextBatch(
            prompts: window, from: WorkQueueing.Cursor(batchIndex: 4, sampleIndex: 0), maxPerLease: 4, limit: 100)
        #expect(batch.units == [WorkQueueing.Unit(promptId: 112, firstSampleIndex: 0, sampleCount: 1)])
        #expect(batch.next == WorkQueueing.Cursor(batchIndex: 7, sampleIndex: 0))
        #expect(!WorkQueueing.isComplete(batch.next, promptCount: Self.prompts.count))

        let empty = WorkQueueing.nextBatch(
            prompts: Array(Self.prompts[5...6]), from: WorkQueueing.Cursor(batchIndex: 5, sampleIndex: 0), maxPerLease: 4,
            limit: 100)
        #expect(empty.units.isEmpty && empty.next == WorkQueueing.Cursor(batchIndex: 7, sampleIndex: 0))
    }

    @Test("unit counts agree with the slices", arguments: [0, 1, 2, 7, 8, 9, 65_536])
    func unitCounts(samples: Int) {
        for maxPerLease in [1, 3, 8] {
            #expect(
                WorkQueueing.unitCount(samples: samples, maxPerLease: maxPerLease)
                    == IterationPlanner.slices(count: samples, maxPerLease: maxPerLease).count)
        }
    }
}
