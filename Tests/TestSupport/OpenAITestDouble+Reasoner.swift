import Foundation

extension OpenAITestDouble {
    /// One problem the double knows, with its gold answer.
    public struct Problem: Sendable, Equatable {
        public var problem: String
        public var gold: String

        public init(problem: String, gold: String) {
            self.problem = problem
            self.gold = gold
        }

        /// The first 20 MATH-500 problems (`Tests/Fixtures/math500-20.jsonl`).
        public static func math500() throws -> [Problem] {
            struct Line: Decodable {
                var problem: String
                var answer: String
            }
            let text = String(decoding: try Fixtures.data("math500-20.jsonl"), as: UTF8.self)
            return try text.split(separator: "\n").map {
                let line = try JSONDecoder().decode(Line.self, from: Data($0.utf8))
                return Problem(problem: line.problem, gold: line.answer)
            }
        }
    }

    /// One synthetic response, already split into tokens.
    struct Completion: Sendable, Equatable {
        var tokens: [String]
        var logprobs: [Double]
        var finishReason: String
        var text: String { tokens.joined() }
    }
}

/// Writes chain-of-thought responses the way a model with a fixed skill per
/// problem would: each is correct with the problem's probability and
/// otherwise ends in a plausible wrong answer. Everything follows from the
/// problem, the request's seed and the choice index, so a request repeated
/// with the same seed gets the same responses.
struct SyntheticReasoner: Sendable {
    let problems: [OpenAITestDouble.Problem]

    /// The problem whose text appears in the prompt.
    func problem(in prompt: String) -> OpenAITestDouble.Problem? {
        problems.first { prompt.contains($0.problem) }
    }

    /// The chance that one response to `problem` is correct: spread over
    /// (0, 1), and exactly 0 for about one problem in five.
    static func correctProbability(of problem: String) -> Double {
        let unit = Double(fnv1a(problem) % 10_000) / 10_000
        return unit < 0.2 ? 0 : 0.05 + 0.9 * (unit - 0.2) / 0.8
    }

    func completion(prompt: String, seed: Int, choice: Int, maxTokens: Int) -> OpenAITestDouble.Completion {
        let known = problem(in: prompt)
        let key = known?.problem ?? prompt
        var random = SplitMix(seed: UInt64(truncatingIfNeeded: seed) &* 0x9E37_79B9_7F4A_7C15
                                  ^ Self.fnv1a(key) ^ (UInt64(choice) &* 0xBF58_476D_1CE4_E5B9))
        let answer: String
        if let known {
            let correct = random.unit() < Self.correctProbability(of: known.problem)
            answer = correct ? known.gold : wrongAnswer(for: known.gold, random: &random)
        } else {
            answer = "0"
        }
        var words = ["Let's", "think", "step", "by", "step."]
        for _ in 0..<(2 + Int(random.next() % 3)) {
            words += Self.steps[Int(random.next() % UInt64(Self.steps.count))].split(separator: " ").map(String.init)
        }
        words += ["So", "the", "answer", "is", "\\boxed{\(answer)}."]
        var tokens = words.enumerated().map { $0.offset == 0 ? $0.element : " " + $0.element }
        var finishReason = "stop"
        if tokens.count > maxTokens {
            tokens = Array(tokens.prefix(max(maxTokens, 0)))
            finishReason = "length"
        }
        let logprobs = tokens.map { _ in -2 * random.unit() }
        return OpenAITestDouble.Completion(tokens: tokens, logprobs: logprobs, finishReason: finishReason)
    }

    /// A nearby integer for an integer gold, otherwise another problem's gold.
    private func wrongAnswer(for gold: String, random: inout SplitMix) -> String {
        if let value = Int(gold) {
            let offsets = [1, 2, 3, -1, -2]
            return String(value + offsets[Int(random.next() % UInt64(offsets.count))])
        }
        let others = problems.map(\.gold).filter { $0 != gold }
        return others.isEmpty ? "0" : others[Int(random.next() % UInt64(others.count))]
    }

    private static let steps = [
        "First, write down what the problem gives us.",
        "We simplify the expression term by term.",
        "Substituting the known values, we get the next equation.",
        "Checking the edge cases confirms the pattern.",
        "Rearranging both sides isolates the unknown.",
        "Counting the cases one at a time gives the total.",
    ]

    /// FNV-1a over UTF-8: stable across runs, unlike `Hasher`.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }
}

/// SplitMix64, for reproducible choices.
struct SplitMix: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }
}
