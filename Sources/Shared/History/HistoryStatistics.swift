/// The history statistics of `docs/allocation-strategies.md`, as one pure
/// computation: the store hands it every prompt's raw counts per iteration
/// and the prompts' levels, and it returns each asked prompt's estimate.
///
/// The decayed tallies are folded from the raw counts each time rather than
/// kept in the database: counts are written once per taken result, so the
/// tallies can never be decayed twice or miss a sample after a crash.
public enum HistoryStatistics {
    /// Decayed tallies of one prompt.
    struct Tally {
        var correct = 0.0
        var wrong = 0.0
        var normSum = 0.0
        var normCount = 0.0
        /// Raw counts of the window's iterations.
        var windowCorrect = 0
        var windowWrong = 0
    }

    /// Pooled sums of one level, or of the dataset.
    struct Pool {
        var correct = 0.0
        var wrong = 0.0
        var normSum = 0.0
        var normCount = 0.0

        mutating func add(_ tally: Tally) {
            correct = correct + tally.correct
            wrong = wrong + tally.wrong
            normSum = normSum + tally.normSum
            normCount = normCount + tally.normCount
        }

        var samples: Double { correct + wrong }
    }

    /// Estimates for `prompts` (dataset positions) at `currentIteration`:
    /// `records` are every raw count of the run up to and including that
    /// iteration (several per prompt and iteration are summed); the fold
    /// applies one decay per iteration through `currentIteration`, so before
    /// the iteration's pre-samples this is step 2 of the rule and after them
    /// step 4. `level` gives any prompt's level, nil for none.
    public static func estimates(
        prompts: [Int], records: [PromptIterationCounts], currentIteration: Int,
        level: (Int) -> Int?, parameters: HistoryParameters, presamples: Int
    ) -> [PromptEstimate] {
        let tallies = fold(records: records, through: currentIteration, parameters: parameters)
        // Pools in prompt order: prompts without history add nothing.
        var levelPools: [Int: Pool] = [:]
        var datasetPool = Pool()
        for promptId in tallies.keys.sorted() {
            let tally = tallies[promptId]!
            datasetPool.add(tally)
            if let promptLevel = level(promptId) { levelPools[promptLevel, default: Pool()].add(tally) }
        }
        let strength = parameters.priorStrength
        return prompts.map { promptId in
            let tally = tallies[promptId] ?? Tally()
            let promptLevel = level(promptId)
            let levelPool = promptLevel.flatMap { levelPools[$0] }
            let pool = if let levelPool, levelPool.samples > 0 { levelPool } else { datasetPool }
            let h = pool.samples
            let priorA = strength * ((pool.correct + 1) / (h + 2))
            let priorB = strength * ((pool.wrong + 1) / (h + 2))
            let a = priorA + tally.correct
            let b = priorB + tally.wrong
            let n = a + b
            let sd = ((a * b) / ((n * n) * (n + 1))).squareRoot()
            let gradNorm: Double
            if tally.normCount > 0 {
                gradNorm = tally.normSum / tally.normCount
            } else if let levelPool, levelPool.normCount > 0 {
                gradNorm = levelPool.normSum / levelPool.normCount
            } else if datasetPool.normCount > 0 {
                gradNorm = datasetPool.normSum / datasetPool.normCount
            } else {
                gradNorm = 1
            }
            let windowSamples = tally.windowCorrect + tally.windowWrong
            return PromptEstimate(
                correct: tally.correct, wrong: tally.wrong, normSum: tally.normSum, normCount: tally.normCount,
                priorA: priorA, priorB: priorB, posteriorA: a, posteriorB: b, mean: a / n, sd: sd, gradNorm: gradNorm,
                uncertain: presamples > 0 && sd > parameters.sigmaMax,
                solved: windowSamples >= parameters.solvedMinSamples && tally.windowWrong == 0,
                hopeless: windowSamples >= parameters.hopelessMinSamples && tally.windowCorrect == 0)
        }
    }

    /// c = λc + k per iteration, from each prompt's first record through
    /// `last` (before it, c is 0 and the decay changes nothing).
    static func fold(records: [PromptIterationCounts], through last: Int, parameters: HistoryParameters) -> [Int: Tally] {
        var byPrompt: [Int: [Int: PromptIterationCounts]] = [:]
        for record in records where record.iteration <= last {
            if var existing = byPrompt[record.promptId]?[record.iteration] {
                existing.correct += record.correct
                existing.wrong += record.wrong
                existing.normSum += record.normSum
                existing.normCount += record.normCount
                byPrompt[record.promptId]![record.iteration] = existing
            } else {
                byPrompt[record.promptId, default: [:]][record.iteration] = record
            }
        }
        let decay = parameters.decay
        let windowStart = last - parameters.historyWindow + 1
        var tallies: [Int: Tally] = [:]
        for (promptId, iterations) in byPrompt {
            var tally = Tally()
            let first = iterations.keys.min()!
            for iteration in first...last {
                let counts = iterations[iteration]
                tally.correct = decay * tally.correct + Double(counts?.correct ?? 0)
                tally.wrong = decay * tally.wrong + Double(counts?.wrong ?? 0)
                tally.normSum = decay * tally.normSum + (counts?.normSum ?? 0)
                tally.normCount = decay * tally.normCount + Double(counts?.normCount ?? 0)
                if iteration >= windowStart, let counts {
                    tally.windowCorrect += counts.correct
                    tally.windowWrong += counts.wrong
                }
            }
            tallies[promptId] = tally
        }
        return tallies
    }
}
