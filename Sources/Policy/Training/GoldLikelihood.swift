/// The log-likelihood of the gold chain of thought, teacher-forced: one
/// forward pass over prompt + solution + end of text, summing
/// log p(token | everything before it) over the solution's tokens and the
/// end-of-text token. No decoding, so it is deterministic and cheap, and it
/// moves smoothly where an accuracy moves in steps.
public struct GoldLikelihood: Sendable, Equatable {
    /// One task to score.
    public struct Item: Sendable {
        /// The prompt's and the response's tokens (the response ends in
        /// end-of-text); nil for a task the model cannot read.
        public var prompt: [Int32]?
        public var response: [Int32]?
        public var level: Int?

        public init(prompt: [Int32]?, response: [Int32]?, level: Int?) {
            self.prompt = prompt
            self.response = response
            self.level = level
        }
    }

    /// Totals over the scored tasks, in nats.
    public struct Summary: Sendable, Equatable {
        public var tasks = 0
        /// Response tokens scored, end-of-text included.
        public var tokens = 0
        public var logLikelihood = 0.0
        /// Each task's summed log-likelihood, averaged over tasks.
        public var meanPerTask: Double { tasks == 0 ? 0 : logLikelihood / Double(tasks) }
        /// The total over the total number of tokens.
        public var meanPerToken: Double { tokens == 0 ? 0 : logLikelihood / Double(tokens) }

        mutating func add(_ value: Double, tokens count: Int) {
            tasks += 1
            tokens += count
            logLikelihood += value
        }
    }

    public struct Level: Sendable, Equatable {
        public var level: Int
        public var summary: Summary
    }

    /// Each item's summed log-likelihood, in item order; nil where it was not scored.
    public var perTask: [Double?]
    public var overall: Summary
    /// Scored items that carry a level, by level in level order.
    public var levels: [Level]
    /// Items left out: unreadable, empty, or longer than the context.
    public var unscored: Int { perTask.count { $0 == nil } }

    /// Blocking: run it on a `ComputeThread` (or a command's own thread).
    /// Tasks go through the model `model.maxBatch` at a time.
    public static func run(model: TransformerModel, items: [Item]) -> GoldLikelihood {
        var perTask = [Double?](repeating: nil, count: items.count)
        let scorable = items.indices.filter { index in
            guard let prompt = items[index].prompt, let response = items[index].response,
                  !prompt.isEmpty, !response.isEmpty else { return false }
            let vocabulary = Int32(model.config.vocabSize)
            return prompt.count + response.count - 1 <= model.config.contextLength
                && (prompt + response).allSatisfy { $0 >= 0 && $0 < vocabulary }
        }
        var start = 0
        while start < scorable.count {
            let chunk = Array(scorable[start..<min(start + model.maxBatch, scorable.count)])
            let batch = TokenBatch(prompts: chunk.map { items[$0].prompt! }, responses: chunk.map { items[$0].response! })
            let logProbabilities = model.forward(batch: batch)
            for (b, index) in chunk.enumerated() {
                var sum = 0.0
                for t in batch.responseTargetRanges[b] { sum += Double(logProbabilities[batch.index(sequence: b, position: t)]) }
                perTask[index] = sum
            }
            start += chunk.count
        }

        var overall = Summary()
        var byLevel: [Int: Summary] = [:]
        for (item, value) in zip(items, perTask) {
            guard let value, let tokens = item.response?.count else { continue }
            overall.add(value, tokens: tokens)
            if let level = item.level { byLevel[level, default: Summary()].add(value, tokens: tokens) }
        }
        return GoldLikelihood(
            perTask: perTask, overall: overall,
            levels: byLevel.keys.sorted().map { Level(level: $0, summary: byLevel[$0]!) })
    }

    /// Arithmetic tasks: the prompt rendered as every built-in run renders
    /// it, the response the task's solution and end-of-text.
    public static func run(model: TransformerModel, tasks: [ArithmeticTask]) -> GoldLikelihood {
        run(model: model, items: tasks.map { task in
            Item(prompt: try? Vocabulary.encode(task.prompt),
                 response: (try? Vocabulary.encode(task.solution)).map { $0 + [Vocabulary.endOfText] }, level: task.level)
        })
    }
}
