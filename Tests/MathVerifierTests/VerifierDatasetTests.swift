import Foundation
import Testing
import TestSupport
import Shared
@testable import MathVerifier

/// The gold answers of the evaluation sets in `Tests/Fixtures/data`, in the
/// shapes the caller passes them.
@Suite("Verifier: real gold answers")
struct VerifierDatasetTests {
    struct Gold: Sendable, CustomTestStringConvertible {
        var source: String
        var text: String
        var testDescription: String { "\(source): \(text.prefix(60))" }
    }

    static let golds: [Gold] = {
        var golds: [Gold] = []
        for source in ["math500", "aime24", "amc23", "minerva_math", "olympiad_bench"] {
            guard let data = try? Fixtures.data("data/\(source).jsonl") else { continue }
            for line in data.split(separator: UInt8(ascii: "\n")) {
                guard let row = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { continue }
                switch row["answer"] {
                case let text as String: golds.append(Gold(source: source, text: text))
                // OlympiadBench lists its answers; the caller joins them.
                case let list as [String]: golds.append(Gold(source: source, text: list.joined(separator: ", ")))
                case let number as NSNumber: golds.append(Gold(source: source, text: VerifyRequestLine.goldText(number.doubleValue)))
                default: continue
                }
            }
        }
        return golds
    }()

    /// The gold as a model might box it: `\dfrac`, `\displaystyle`, no
    /// spaces after commas.
    static func respelled(_ gold: Gold) -> String {
        let answer = String(decoding: MathVerifier.goldAnswer(gold.text), as: UTF8.self)
        return "\\displaystyle " + answer.replacingOccurrences(of: "\\frac", with: "\\dfrac")
            .replacingOccurrences(of: ", ", with: ",")
    }

    @Test("every evaluation set loads")
    func loads() {
        #expect(Self.golds.count == 500 + 30 + 40 + 272 + 675)
    }

    @Test("each gold answer, respelled and boxed, is correct")
    func respelledGoldIsCorrect() {
        let verifier = MathVerifier()
        var failures: [String] = []
        // One OlympiadBench gold is a sentence ("…, where $b$ is an arbitrary
        // integer, and …"), which respelling changes.
        for gold in Self.golds where !gold.text.contains(" where ") {
            let response = "So the final answer is $\\boxed{\(Self.respelled(gold))}$."
            if !verifier.verify(response: response, gold: gold.text).correct { failures.append(gold.testDescription) }
        }
        #expect(failures.isEmpty, "\(failures.count) failed: \(failures.prefix(20))")
    }

    @Test("an integer gold plus one is wrong")
    func offByOne() {
        let verifier = MathVerifier()
        var checked = 0
        for gold in Self.golds {
            let answer = String(decoding: MathVerifier.goldAnswer(gold.text), as: UTF8.self)
            guard let value = Int(answer) else { continue }
            checked += 1
            #expect(!verifier.verify(response: "\\boxed{\(value + 1)}", gold: gold.text).correct, "\(gold.testDescription)")
        }
        #expect(checked > 500)
    }

    @Test("verdicts on real answers take microseconds, not milliseconds")
    func speed() {
        let verifier = MathVerifier()
        let responses = Self.golds.map { "Some working.\n\nSo the answer is $\\boxed{\(Self.respelled($0))}$." }
        let elapsed = ContinuousClock().measure {
            for (gold, response) in zip(Self.golds, responses) { _ = verifier.verify(response: response, gold: gold.text) }
        }
        // A loose bound for debug builds on a shared machine.
        #expect(elapsed / Self.golds.count < .milliseconds(1))
    }
}
