import Shared

/// How a stage's work units are written in bounded batches: the decisions,
/// without a database. The store executes them.
///
/// A stage needs, for each prompt of the batch (in batch order), `count`
/// samples split into leases of at most `maxPerLease`. One transaction
/// writing all of them (up to `RunLimits.maxWorkUnitsPerIteration`) would
/// hold SQLite's single writer for seconds and every lease grant behind it,
/// so the stage's plan keeps a `Cursor`, the next unit to write, and each
/// batch writes at most `limit` units from there. Slices start at multiples
/// of `maxPerLease` within their prompt, so a stage queued in any number of
/// batches, resumed after any crash, has exactly the units one pass makes
/// (`IterationPlanner.slices`).
enum WorkQueueing {
    /// Units one write queues: about 20 ms on the benchmark's machine, so a
    /// lease grant waits for at most one such write (docs/limits.md).
    static let unitsPerBatch = 2_000

    /// The next unit to queue: sample `sampleIndex` of the prompt at
    /// `batchIndex` of the iteration's batch.
    struct Cursor: Equatable, Sendable {
        var batchIndex: Int
        var sampleIndex: Int

        static let start = Cursor(batchIndex: 0, sampleIndex: 0)
    }

    /// One prompt of the batch and the samples the stage needs of it.
    struct PlannedPrompt: Equatable, Sendable {
        var batchIndex: Int
        var promptId: Int
        var count: Int
    }

    /// One work unit to insert.
    struct Unit: Equatable, Sendable {
        var promptId: Int
        var firstSampleIndex: Int
        var sampleCount: Int
    }

    /// What one write queues, and where the next one starts.
    struct Batch: Equatable, Sendable {
        var units: [Unit]
        var next: Cursor
    }

    /// The samples `stage` needs of a prompt. The sample stage's follow from
    /// the prompt's n_i under the run's pre-sample accounting (its first
    /// round only, for a run in rounds). A prompt's
    /// pre-samples are its stored count, or N' where none is stored (every
    /// prompt the same).
    static func count(
        stage: SamplingStage, allocatedCount: Int?, presampleCount: Int?, configuration: RunConfiguration
    ) -> Int {
        let presamples = presampleCount ?? configuration.presamplesDrawn
        switch stage {
        case .presample:
            return presamples
        case .sample:
            let cap = configuration.presampleAccounting.newSamples(allocated: allocatedCount ?? 0, presamples: presamples)
            // In rounds, the stage starts with each prompt's first round;
            // the next ones follow its results (SQLiteStore+Rounds).
            guard let rounds = configuration.rounds else { return cap }
            return rounds.firstRound(cap: cap) ?? 0
        }
    }

    /// Work units of `count` samples in leases of at most `maxPerLease`
    /// (any up to Int.max: `count + maxPerLease - 1` overflowed).
    static func unitCount(samples count: Int, maxPerLease: Int) -> Int {
        count <= 0 ? 0 : (count - 1) / maxPerLease + 1
    }

    /// The next batch: at most `limit` units from `cursor` on. `prompts` are
    /// the stage's prompts from `cursor.batchIndex` on, in batch order, with
    /// no gap; a short list is a window, and the batch then ends after its
    /// last prompt.
    static func nextBatch(prompts: [PlannedPrompt], from cursor: Cursor, maxPerLease: Int, limit: Int) -> Batch {
        precondition(maxPerLease >= 1 && limit >= 1)
        var units: [Unit] = []
        var next = cursor
        for prompt in prompts where prompt.batchIndex >= cursor.batchIndex {
            var first = prompt.batchIndex == cursor.batchIndex ? cursor.sampleIndex : 0
            while first < prompt.count {
                if units.count == limit {
                    return Batch(units: units, next: Cursor(batchIndex: prompt.batchIndex, sampleIndex: first))
                }
                let size = min(maxPerLease, prompt.count - first)
                units.append(Unit(promptId: prompt.promptId, firstSampleIndex: first, sampleCount: size))
                first += size
            }
            next = Cursor(batchIndex: prompt.batchIndex + 1, sampleIndex: 0)
        }
        return Batch(units: units, next: next)
    }

    /// Whether a cursor has passed every prompt of a batch of `promptCount`.
    static func isComplete(_ cursor: Cursor, promptCount: Int) -> Bool {
        cursor.batchIndex >= promptCount
    }
}
