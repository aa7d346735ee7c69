import Shared

/// Judges math responses: extracts the committed final answer (last
/// `\boxed{}`, else a final-answer phrase) and compares it with the gold
/// answer by normalised spelling, structure (tuples, intervals, sets, lists,
/// matrices, equations), value, and finally by evaluating both as
/// expressions at fixed pseudo-random points.
///
/// Pure Swift on UTF-8 bytes, with bounded work for any input: nesting,
/// lengths and exponents are capped or computed in `Double`, so hostile
/// responses get a verdict in milliseconds and never crash.
public struct MathVerifier: AnswerVerifier {
    public init() {}

    public func verify(response: String, gold: String) -> Verdict {
        guard let answer = AnswerExtraction.finalAnswer(in: response) else {
            return Verdict(correct: false, extracted: nil)
        }
        let extracted = String(decoding: answer, as: UTF8.self)
        // An empty box commits to nothing.
        guard !answer.isEmpty else { return Verdict(correct: false, extracted: extracted) }
        let goldAnswer = Self.goldAnswer(gold)
        guard !goldAnswer.isEmpty else { return Verdict(correct: false, extracted: extracted) }
        return Verdict(correct: AnswerEquivalence.equivalent(answer, gold: goldAnswer), extracted: extracted)
    }

    /// The gold answer cleaned like an extracted one: a boxed gold (as in
    /// worked solutions) is its box's content, and `$` and a trailing period
    /// go.
    static func goldAnswer(_ gold: String) -> [UInt8] {
        var gold = gold
        return gold.withUTF8 { text in
            if case .content(let range) = AnswerExtraction.lastBox(in: text) {
                return AnswerExtraction.clean(text, range)
            }
            return AnswerExtraction.clean(text, 0..<text.count)
        }
    }
}
