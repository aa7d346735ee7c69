import Dispatch
import Foundation
import Testing
import Shared
@testable import MathVerifier

/// Hostile input gets a verdict quickly and never crashes. The bound is
/// loose so that a debug build on a busy machine still passes; each case
/// takes milliseconds in practice.
@Suite("Verifier: pathological input")
struct VerifierRobustnessTests {
    let verifier = MathVerifier()
    static let timeLimit = Duration.milliseconds(500)

    private func timedVerdict(_ response: String, gold: String) -> (Verdict, Duration) {
        var verdict = Verdict(correct: false, extracted: nil)
        let elapsed = ContinuousClock().measure { verdict = verifier.verify(response: response, gold: gold) }
        return (verdict, elapsed)
    }

    @Test("100000 nested braces, closed or not")
    func deepBraces() {
        let depth = 100_000
        let open = String(repeating: "{", count: depth)
        let close = String(repeating: "}", count: depth)
        let (unclosed, unclosedTime) = timedVerdict("\\boxed{" + open + "1", gold: "1")
        #expect(unclosed == Verdict(correct: false, extracted: nil))
        #expect(unclosedTime < Self.timeLimit)
        let (closed, closedTime) = timedVerdict("\\boxed{" + open + "1" + close + "}", gold: "1")
        #expect(!closed.correct)
        #expect(closedTime < Self.timeLimit)
    }

    @Test("nesting past the parser's depth limit fails the parse, not the process", arguments: [
        "(", "\\frac{1}{", "\\sqrt{", "-", "\\sin ", "|", "x^{", "\\text{", "\\left(",
    ])
    func deepNesting(opener: String) {
        let text = String(repeating: opener, count: 3000) + "1"
        let (verdict, elapsed) = timedVerdict("\\boxed{\(text)}", gold: "1")
        #expect(!verdict.correct)
        #expect(elapsed < Self.timeLimit)
    }

    @Test("the deepest nesting the parser accepts fits a 512 KiB thread stack")
    func smallStack() {
        let openers = ["(", "{", "\\frac{1}{", "\\sqrt{", "-", "\\sin ", "|", "x^{", "2^", "\\left(", "\\binom{1}{", "\\log_{2}"]
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread {
            for opener in openers {
                // Just under the parser's length limit, so that it parses to its depth limit.
                let count = (MathExpressionParser.maximumLength - 8) / opener.utf8.count
                _ = MathVerifier().verify(response: "\\boxed{\(String(repeating: opener, count: count))1}", gold: "1")
            }
            finished.signal()
        }
        thread.stackSize = 512 * 1024
        thread.start()
        finished.wait()
    }

    @Test("long chains of operators stay shallow or fail cleanly", arguments: [
        "x^", "2^", "+1", "*2", "/2", "!", "\\cdot x", ",1", "\\cup(1,2)",
    ])
    func longChains(link: String) {
        let text = "1" + String(repeating: link, count: 2000) + "1"
        let (verdict, elapsed) = timedVerdict("\\boxed{\(text)}", gold: "1")
        _ = verdict
        #expect(elapsed < Self.timeLimit)
    }

    @Test("huge exponents overflow to a verdict, and overflow equals nothing")
    func hugeExponents() {
        for (answer, gold) in [("10^{10^{10^{10}}}", "9^{9^{9^9}}"), ("9^{9^{9^9}}", "1"), ("(10^{100})!", "1"),
                               ("2^{2^{2^{2^{2^{2}}}}}", "\\infty"), ("\\binom{10^{300}}{10^{150}}", "1")] {
            let (verdict, elapsed) = timedVerdict("\\boxed{\(answer)}", gold: gold)
            #expect(!verdict.correct, "\(answer) vs \(gold)")
            #expect(elapsed < Self.timeLimit)
        }
        // The same spelling is still the same answer.
        #expect(timedVerdict("\\boxed{10^{10^{10^{10}}}}", gold: "10^{10^{10^{10}}}").0.correct)
    }

    @Test("a response of several megabytes")
    func hugeResponse() {
        let working = String(repeating: "We check the case x = 7 once more, and the answer is not yet clear. ", count: 60_000)
        #expect(working.utf8.count > 4_000_000)
        let (boxed, boxedTime) = timedVerdict(working + "\\boxed{7}", gold: "7")
        #expect(boxed.correct)
        #expect(boxedTime < Self.timeLimit)
        let (unboxed, unboxedTime) = timedVerdict(working, gold: "7")
        #expect(!unboxed.correct)
        #expect(unboxedTime < Self.timeLimit)
        let (manyBoxes, manyBoxesTime) = timedVerdict(String(repeating: "\\boxed{1} ", count: 400_000) + "\\boxed{2}", gold: "2")
        #expect(manyBoxes.correct)
        #expect(manyBoxesTime < Self.timeLimit)
    }

    @Test("a huge box, a huge list and a huge gold")
    func hugeAnswers() {
        let list = Array(repeating: "1", count: 300_000).joined(separator: ",")
        let (hugeList, hugeListTime) = timedVerdict("\\boxed{\(list)}", gold: "1")
        #expect(!hugeList.correct)
        #expect(hugeListTime < Self.timeLimit)
        // More items than pairwise matching takes, within the structured length.
        let shortList = (1...1000).map(String.init).joined(separator: ", ")
        let (matched, matchedTime) = timedVerdict("\\boxed{\(shortList)}", gold: shortList.replacingOccurrences(of: " ", with: ""))
        #expect(matched.correct)
        #expect(matchedTime < Self.timeLimit)
        let reversed = (1...1000).reversed().map(String.init).joined(separator: ", ")
        let (unordered, unorderedTime) = timedVerdict("\\boxed{\(reversed)}", gold: shortList)
        #expect(unordered.correct)
        #expect(unorderedTime < Self.timeLimit)
        let digits = String(repeating: "9", count: 1_000_000)
        let (bigNumber, bigNumberTime) = timedVerdict("\\boxed{\(digits)}", gold: digits + "8")
        #expect(!bigNumber.correct)
        #expect(bigNumberTime < Self.timeLimit)
    }

    @Test("malformed LaTeX and stray bytes", arguments: [
        "}", "{", "\\", "\\\\", "$", "^", "_", "\\frac", "\\frac{", "\\sqrt[", "\\begin{pmatrix}", "\\end{pmatrix}",
        "\\left(", "()", "[,]", ",,,", "=", "==", "\\{\\}", "1/0", "0/0", "\\infty - \\infty", "\u{0000}", "\u{FFFD}\u{00B0}",
        "x_", "x_{", "1e", "1e+", ".", "..", "-", "\\pm", "\\text{", "\\mathrm{~", "|", "||", "\\lfloor", "\\log_",
    ])
    func malformed(answer: String) {
        let (verdict, elapsed) = timedVerdict("\\boxed{\(answer)}", gold: "1")
        #expect(!verdict.correct)
        #expect(elapsed < Self.timeLimit)
        // Malformed gold answers are as safe.
        #expect(!verifier.verify(response: "\\boxed{1}", gold: answer).correct)
    }

    @Test("many fallback phrases and hashes without a box")
    func manyPhrases() {
        let response = String(repeating: "the answer is ", count: 100_000) + String(repeating: "####", count: 100_000) + " 5"
        let (verdict, elapsed) = timedVerdict(response, gold: "5")
        #expect(verdict.correct)
        #expect(elapsed < Self.timeLimit)
    }

    @Test("verdicts are deterministic")
    func deterministic() {
        let response = "\\boxed{\\frac{\\sin x}{x} + e^{x}\\sqrt{x}}"
        let first = verifier.verify(response: response, gold: "\\sqrt{x}e^x + \\frac{\\sin(x)}{x}")
        #expect(first.correct)
        for _ in 0..<10 { #expect(verifier.verify(response: response, gold: "\\sqrt{x}e^x + \\frac{\\sin(x)}{x}") == first) }
    }
}
