import Testing
import Shared
@testable import MathVerifier

@Suite("Verifier: extracting the committed final answer")
struct VerifierExtractionTests {
    let verifier = MathVerifier()

    @Test("the last box wins, with balanced braces inside it")
    func lastBox() {
        let response = "First $\\boxed{3}$, then on reflection $\\boxed{\\frac{1}{2}}$."
        #expect(verifier.verify(response: response, gold: "\\frac12") == Verdict(correct: true, extracted: "\\frac{1}{2}"))
        #expect(!verifier.verify(response: response, gold: "3").correct)
    }

    @Test("\\fbox counts as a box")
    func fbox() {
        #expect(verifier.verify(response: "So \\fbox{42}.", gold: "42") == Verdict(correct: true, extracted: "42"))
    }

    @Test("nested boxes: the outer content of the last top-level box")
    func nestedBoxes() {
        let response = "\\boxed{1} and finally \\boxed{\\frac{1}{\\boxed{2}}}"
        #expect(VerifierTesting.extracted(response) == "\\frac{1}{\\boxed{2}}")
        // The inner box is markup: the value is 1/2.
        #expect(verifier.verify(response: response, gold: "0.5").correct)
    }

    @Test("escaped braces do not unbalance a box")
    func escapedBraces() {
        #expect(VerifierTesting.extracted("\\boxed{\\{1, 2\\}}") == "\\{1, 2\\}")
    }

    @Test("the space form \\boxed 5")
    func spaceForm() {
        #expect(verifier.verify(response: "Hence $\\boxed 5$.", gold: "5") == Verdict(correct: true, extracted: "5"))
    }

    @Test("a word that starts with boxed is not a box")
    func boxedPrefix() {
        #expect(VerifierTesting.extracted("\\boxedanswer{4}. Final Answer: 7") == "7")
    }

    @Test("an unclosed box is no committed answer, even after an earlier box")
    func unclosedBox() {
        #expect(verifier.verify(response: "So the answer is $\\boxed{371", gold: "371") == Verdict(correct: false, extracted: nil))
        #expect(verifier.verify(response: "\\boxed{5} wait, let me redo: \\boxed{5", gold: "5").extracted == nil)
    }

    @Test("an empty box is wrong and extracts the empty string")
    func emptyBox() {
        #expect(verifier.verify(response: "Thus $371$.\n\\[\\boxed{}\\]", gold: "371") == Verdict(correct: false, extracted: ""))
        #expect(verifier.verify(response: "\\boxed{ $ $ }", gold: "0") == Verdict(correct: false, extracted: ""))
        // A box of markup only is as empty.
        #expect(verifier.verify(response: "\\boxed{\\,\\!}", gold: "\\!") == Verdict(correct: false, extracted: "\\,\\!"))
    }

    @Test("extracted text is trimmed, without $ or a trailing period, otherwise as written")
    func extractedForm() {
        #expect(VerifierTesting.extracted("\\boxed{ $x = 5$. }") == "x = 5")
        #expect(VerifierTesting.extracted("\\boxed{\\$32,\\!348}") == "\\$32,\\!348")
        #expect(VerifierTesting.extracted("\\boxed{\\dfrac{1}{2}}") == "\\dfrac{1}{2}")
    }

    @Test("fallback: \"The answer is X\"")
    func theAnswerIs() {
        #expect(verifier.verify(response: "Adding up, the answer is 27.", gold: "27") == Verdict(correct: true, extracted: "27"))
        #expect(VerifierTesting.extracted("Therefore the answer is: 3.5. Done") == "3.5")
        #expect(VerifierTesting.extracted("The answer is **(B)**") == "(B)")
    }

    @Test("fallback: \"Final Answer:\" in any case, through a nested phrase")
    func finalAnswer() {
        let response = "Work.\n\nFinal Answer: The final answer is $5$. I hope it is correct."
        #expect(verifier.verify(response: response, gold: "5") == Verdict(correct: true, extracted: "5"))
        #expect(VerifierTesting.extracted("FINAL ANSWER: \\(\\frac{3}{4}\\)") == "\\frac{3}{4}")
        #expect(VerifierTesting.extracted("**Final Answer**\n\n$$12$$") == "12")
        #expect(VerifierTesting.extracted("**Final Answer:** $$12$$") == "12")
    }

    @Test("fallback: GSM8K's #### X")
    func gsm8k() {
        #expect(verifier.verify(response: "She pays 5 + 7 = 12.\n#### 12", gold: "12") == Verdict(correct: true, extracted: "12"))
        #expect(VerifierTesting.extracted("#### 1,000\n") == "1,000")
    }

    @Test("fallbacks take the last occurrence")
    func lastFallback() {
        let response = "At first the answer is 4. Checking again, the answer is 6.\n#### 5\nSo the final answer is 7."
        #expect(VerifierTesting.extracted(response) == "7")
        #expect(VerifierTesting.extracted("#### 3\nThe answer is 8.\n#### 9") == "9")
    }

    @Test("a box beats any fallback phrase")
    func boxFirst() {
        #expect(VerifierTesting.extracted("\\boxed{2}. The answer is 3.") == "2")
    }

    @Test("no box and no phrase: no answer, even if the gold appears in the working")
    func truncatedWorking() {
        let response = "We have 2x = 14, so x = 7. Substituting 7 into the second equation gives"
        #expect(verifier.verify(response: response, gold: "7") == Verdict(correct: false, extracted: nil))
    }

    @Test("a phrase cut off before its math closes is no answer")
    func truncatedPhrase() {
        #expect(VerifierTesting.extracted("The answer is $\\frac{1}{") == nil)
        #expect(VerifierTesting.extracted("Final Answer:") == nil)
    }

    @Test("words containing 'answer' are not phrases")
    func answerInsideWords() {
        #expect(VerifierTesting.extracted("The answered question is 5.") == nil)
    }
}
