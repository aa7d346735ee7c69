import Foundation
import Policy
import Shared

/// The sequences of one train stage, built from the iteration's traces.
///
/// - `raft`: the accepted samples (reward > 0), each with advantage 1; with
///   `balancePrompts`, 1/(its prompt's accepted count) instead, scaled so
///   that the advantages still average 1 (the learning rate keeps its meaning).
/// - `grpo`: every sample of each prompt, with `GroupAdvantages`; a prompt
///   whose rewards are all equal is dropped (it has no gradient).
///
/// A trace is skipped (and counted) when its response has a character
/// outside the vocabulary, when its log-probabilities are missing, not
/// finite, or not one per response token (the response's characters, plus
/// end-of-text when it stopped there, `finishReason` "stop"), or when prompt
/// and response do not fit the context.
struct TrainingSet: Sendable {
    var sequences: [TrainingSequence] = []
    var skippedTraces = 0
    var droppedGroups = 0

    init(
        traces: [TrainingTrace], problems: [Int: String], template: PromptTemplate, algorithm: TrainingAlgorithm,
        contextLength: Int, balancePrompts: Bool = false
    ) {
        var candidates: [(trace: TrainingTrace, advantage: Double)] = []
        switch algorithm {
        case .raft:
            let accepted = traces.filter { $0.reward > 0 }
            if balancePrompts {
                let counts = Dictionary(accepted.map { ($0.promptId, 1) }, uniquingKeysWith: +)
                let scale = Double(accepted.count) / Double(max(counts.count, 1))
                candidates = accepted.map { ($0, scale / Double(counts[$0.promptId]!)) }
            } else {
                candidates = accepted.map { ($0, 1) }
            }
        case .grpo:
            // Group by prompt, in the order prompts first appear (traces come
            // in (stage, prompt, sample) order, so this is reproducible).
            var order: [Int] = []
            var groups: [Int: [TrainingTrace]] = [:]
            for trace in traces {
                if groups[trace.promptId] == nil { order.append(trace.promptId) }
                groups[trace.promptId, default: []].append(trace)
            }
            for promptId in order {
                let group = groups[promptId]!
                guard let advantages = GroupAdvantages.advantages(rewards: group.map(\.reward)) else {
                    droppedGroups += 1
                    continue
                }
                candidates += zip(group, advantages).map { ($0, $1) }
            }
        }
        let prompts = problems.compactMapValues { try? BuiltinWeights.promptTokens(problem: $0, template: template) }
        for (trace, advantage) in candidates {
            guard let prompt = prompts[trace.promptId],
                let sequence = Self.sequence(trace, prompt: prompt, advantage: advantage, contextLength: contextLength)
            else {
                skippedTraces += 1
                continue
            }
            sequences.append(sequence)
        }
    }

    static func sequence(_ trace: TrainingTrace, prompt: [Int32], advantage: Double, contextLength: Int) -> TrainingSequence? {
        guard var response = try? Vocabulary.encode(trace.response) else { return nil }
        if trace.finishReason == .stop { response.append(Vocabulary.endOfText) }
        guard let json = trace.tokenLogprobsJSON,
            let logProbs = try? JSONDecoder().decode([Double].self, from: Data(json.utf8)),
            logProbs.count == response.count, logProbs.allSatisfy(\.isFinite)
        else { return nil }
        guard !prompt.isEmpty, !response.isEmpty, prompt.count + response.count - 1 <= contextLength else { return nil }
        return TrainingSequence(prompt: prompt, response: response, oldLogProbs: logProbs, advantage: advantage)
    }
}
