import Testing
import Shared
@testable import MathVerifier

/// Known faults of HuggingFace math-verify that gvm must not share.
@Suite("Verifier: math-verify's faults")
struct VerifierMathVerifyFaultTests {
    let verifier = MathVerifier()

    @Test("(1) a truncated output is not credited from its working")
    func truncatedWorking() {
        // math-verify falls back to the last number in the text.
        let response = """
            The two roots satisfy $r_1 + r_2 = 10$ and $r_1 r_2 = 21$, so the roots are $3$ and $7$. \
            The larger root is $7$, but we still need to check the constraint that
            """
        #expect(verifier.verify(response: response, gold: "7") == Verdict(correct: false, extracted: nil))
        #expect(verifier.verify(response: response + " $\\boxed{7", gold: "7") == Verdict(correct: false, extracted: nil))
    }

    @Test("(2) tuple order is kept")
    func tupleOrder() {
        #expect(VerifierTesting.boxedIsCorrect("(1, 2)", gold: "(1,2)"))
        #expect(!VerifierTesting.boxedIsCorrect("(2, 1)", gold: "(1,2)"))
        #expect(!VerifierTesting.boxedIsCorrect("(-1, 6)", gold: "(6,-1)"))
        #expect(!VerifierTesting.boxedIsCorrect("(3, \\frac{\\pi}{2})", gold: "\\left( \\frac{\\pi}{2}, 3 \\right)"))
    }

    @Test("(3) the e of 7.4e-12 is an exponent, not Euler's number")
    func scientificE() {
        #expect(VerifierTesting.boxedIsCorrect("7.4\\times10^{-12}", gold: "7.4e-12"))
        #expect(VerifierTesting.boxedIsCorrect("7.4e-12", gold: "7.4 \\times 10^{-12}"))
        #expect(VerifierTesting.boxedIsCorrect("1.77e-6", gold: "1.77 \\cdot 10^{-6}"))
        // Read as 7.4·e − 12, the value would be about 8.12.
        #expect(!VerifierTesting.boxedIsCorrect("8.1157", gold: "7.4e-12"))
        #expect(!VerifierTesting.boxedIsCorrect("7.4 \\cdot e - 12", gold: "7.4e-12"))
        // Without digits right after it, e is Euler's number.
        #expect(VerifierTesting.boxedIsCorrect("7.4 e - 12", gold: "7.4\\cdot e - 12"))
        #expect(VerifierTesting.boxedIsCorrect("2e", gold: "5.43656365691809"))
        #expect(VerifierTesting.boxedIsCorrect("e^2", gold: "7.38905609893065"))
        #expect(VerifierTesting.boxedIsCorrect("3e^{2}", gold: "22.16716829679195"))
    }

    @Test("(4) degree signs and \\, separators are read")
    func degreesAndThinSpaces() {
        #expect(VerifierTesting.boxedIsCorrect("30^\\circ", gold: "30"))
        #expect(VerifierTesting.boxedIsCorrect("30°", gold: "30"))
        #expect(VerifierTesting.boxedIsCorrect("30", gold: "30^{\\circ}"))
        #expect(VerifierTesting.boxedIsCorrect("1\\,000", gold: "1000"))
        #expect(VerifierTesting.boxedIsCorrect("1000", gold: "1\\,000"))
        #expect(VerifierTesting.boxedIsCorrect("1\\,234\\,567", gold: "1234567"))
        #expect(!VerifierTesting.boxedIsCorrect("31^\\circ", gold: "30"))
    }
}
