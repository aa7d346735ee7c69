import Testing
@testable import MathVerifier

@Suite("Verifier: notation that does not change the answer")
struct VerifierNormalizationTests {
    private func normalized(_ text: String) -> String {
        String(decoding: AnswerNormalization.normalize(Array(text.utf8)).bytes, as: UTF8.self)
    }

    @Test("sizing, spacing and style commands go; \\dfrac and \\tfrac become \\frac")
    func cosmetics() {
        #expect(normalized("\\left( \\dfrac{1}{2}, \\tfrac{3}{4} \\right)") == "( \\frac{1}{2}, \\frac{3}{4} )")
        #expect(normalized("\\displaystyle \\frac{\\!1}{\\,2\\;}") == "\\frac{1}{2}")
        #expect(normalized("\\left\\{ 1 \\right.") == "\\{ 1")
        #expect(normalized("$5$") == "5")
    }

    @Test("equal answers despite notation", arguments: [
        ("\\frac{1}{2}", "\\dfrac{1}{2}"),
        ("\\frac{1}{2}", "\\tfrac12"),
        ("\\frac{1}{2}", "\\frac12"),
        ("\\frac{1}{2}", "\\frac 1 2"),
        ("\\frac{270}{7}", "\\frac{270}7"),
        ("\\frac{\\pi}{2}", "\\frac\\pi2"),
        ("\\left(1, 2\\right)", "(1,2)"),
        ("\\frac{3}{2}", "\\displaystyle\\frac{3}{2}"),
        ("12", "1\\!2"),
        ("12", "$12$"),
        ("x + 1", "x+1"),
        ("5", "5\\text{ cm}"),
        ("5", "5 \\text{cm}"),
        ("5", "5\\mathrm{~m}"),
        ("864", "864 \\mbox{ inches}^2"),
        ("15", "15\\text{ cm}^{2}"),
        ("\\frac{270}{7}", "\\frac{270}7\\text{ degrees}"),
        ("5.4", "5.4 \\text{ cents}"),
        ("27", "27 miles"),
        ("12", "12 cm"),
        ("\\text{Monday}", "Monday"),
        ("\\text{(A)}", "(A)"),
        ("\\text{(A)}", "A"),
        ("\\textbf{(A)}", "\\text{(A)}"),
        ("30", "30^\\circ"),
        ("30", "30^{\\circ}"),
        ("30", "30^{ \\circ }"),
        ("30", "30°"),
        ("30", "30\\degree"),
        ("100", "100^\\circ C"),
        ("100", "100^{\\circ}\\mathrm{C}"),
        ("37", "37°C"),
        ("-40", "-40\u{2103}"),
        ("50", "50\\%"),
        ("50", "50%"),
        ("\\$5", "5"),
        ("5", "\\$5.00"),
        ("1000", "1,000"),
        ("1000", "1{,}000"),
        ("1000", "1\\,000"),
        ("1000000", "1,000,000"),
        ("10080", "10,\\!080"),
        ("11111111100", "11,\\! 111,\\! 111,\\! 100"),
        ("32348", "\\$32,\\!348"),
        ("1234.5", "1,234.5"),
        ("5", "x = 5"),
        ("5", "y=5"),
        ("5", "a_1 = 5"),
        ("2x + 3", "y = 2x + 3"),
        ("2x", "f(x) = 2x"),
        ("n^2+1", "m_{\\max} = n^2 + 1"),
        ("[-2, 7]", "x \\in [-2,7]"),
        ("(1, 2)", "(x, y) = (1, 2)"),
        ("\\sqrt{2}", "\\sqrt2"),
        ("-1", "\u{2212}1"),
        ("2\\pi", "2\u{03C0}"),
        ("\\frac{1}{2}", "\\left.\\frac{1}{2}\\right."),
    ])
    func equalDespiteNotation(gold: String, answer: String) {
        #expect(VerifierTesting.boxedIsCorrect(answer, gold: gold))
    }

    @Test("normalisation does not merge different answers", arguments: [
        ("5", "50\\%"),
        ("1000", "1,0000"),
        ("1, 2", "12"),
        ("100", "1,00"),
        ("\\frac{1}{2}", "\\frac{2}{1}"),
        ("x + 1", "y + 1"),
        ("\\text{(A)}", "(B)"),
        ("2e", "2"),
        ("\\text{Monday}", "Tuesday"),
    ])
    func stillDifferent(gold: String, answer: String) {
        #expect(!VerifierTesting.boxedIsCorrect(answer, gold: gold))
    }

    @Test("a comma with three digits after it and no space is a thousands separator; otherwise it separates answers")
    func commaReadings() {
        #expect(VerifierTesting.boxedIsCorrect("1,000", gold: "1000"))
        #expect(!VerifierTesting.boxedIsCorrect("1, 000", gold: "1000"))
        #expect(VerifierTesting.boxedIsCorrect("1,2", gold: "2, 1"))
        #expect(VerifierTesting.boxedIsCorrect("2500,7500", gold: "7500, 2500"))
        // Inside brackets, commas separate coordinates.
        #expect(VerifierTesting.boxedIsCorrect("(100,200)", gold: "(100, 200)"))
        // `100,200` is ambiguous; a gold list decides that it is a list.
        #expect(VerifierTesting.boxedIsCorrect("100,200", gold: "100, 200"))
        #expect(VerifierTesting.boxedIsCorrect("100,200", gold: "100200"))
    }

    @Test("a percent sign may also mean the fraction")
    func percentAsFraction() {
        #expect(VerifierTesting.boxedIsCorrect("10\\%", gold: "0.1"))
        #expect(VerifierTesting.boxedIsCorrect("0.625", gold: "62.5%"))
        #expect(!VerifierTesting.boxedIsCorrect("0.6", gold: "62.5%"))
    }

    @Test("a unit word after a quantity goes, but a letter that is part of the answer stays")
    func unitsKeepSymbols() {
        #expect(!VerifierTesting.boxedIsCorrect("2\\mathrm{e}", gold: "2"))
        #expect(VerifierTesting.boxedIsCorrect("2\\mathrm{e}", gold: "2e"))
        #expect(!VerifierTesting.boxedIsCorrect("2 ab", gold: "2"))
        #expect(VerifierTesting.boxedIsCorrect("\\text{5 and 7}", gold: "5, 7"))
        #expect(VerifierTesting.boxedIsCorrect("5 \\text{ or } 7", gold: "7, 5"))
    }
}
