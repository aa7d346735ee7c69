import Testing
@testable import MathVerifier

@Suite("Verifier: when two answers are equal")
struct VerifierEquivalenceTests {
    @Test("numbers in any notation", arguments: [
        ("42", "42"), ("42", "42.0"), ("025", "25"), ("-3", "-3.00"), (".35625", "0.35625"),
        ("\\frac{3}{56}", "3/56"), ("\\frac{14}{3}", "\\frac{28}{6}"), ("-\\frac{24}{25}", "-0.96"),
        ("2.5", "2\\frac{1}{2}"), ("2.5", "2 1/2"), ("137 \\frac{1}{2}", "275/2"), ("-2.5", "-2\\frac12"),
        ("7.4e-12", "7.4\\times10^{-12}"), ("7.4e-12", "7.4 \\cdot 10^{-12}"), ("7.4e-12", "0.0000000000074"),
        ("4.5e33", "4.5 \\times 10^{33}"), ("1e-3", "10^{-3}"), ("3.83e35", "3.83E35"),
        ("\\sqrt{2}", "\\sqrt2"), ("\\sqrt{2}", "2^{1/2}"), ("2", "\\sqrt[3]{8}"), ("-2", "\\sqrt[3]{-8}"),
        ("3\\sqrt{13}", "\\sqrt{117}"), ("\\frac{\\sqrt{3}}{3}", "\\frac{1}{\\sqrt{3}}"),
        ("\\pi", "\\pi"), ("\\frac{20000}{\\pi}", "20000/\\pi"), ("288\\pi", "904.7786842338604"),
        ("120", "5!"), ("10", "\\binom{5}{2}"), ("3\\sqrt{13}", "3*sqrt(13)"), ("\\frac{\\sqrt{3}}{3}", "sqrt(3)/3"),
        ("1267650600228229401496703205376", "2^{100}"), ("2", "\\log_2 4"), ("2", "\\log 100"), ("\\log_{10} 250", "\\log 250"), ("0042", "42"), ("-0", "0"), ("1", "\\ln e"), ("0.5", "\\sin \\frac{\\pi}{6}"),
    ])
    func equalNumbers(gold: String, answer: String) {
        #expect(VerifierTesting.boxedIsCorrect(answer, gold: gold))
    }

    @Test("different numbers", arguments: [
        ("42", "43"), ("\\frac{3}{56}", "\\frac{56}{3}"), ("2.5", "2\\frac{1}{3}"), ("7.4e-12", "7.4e-11"),
        ("7.4e-12", "7.4"), ("\\sqrt{2}", "1.41421356"), ("\\pi", "3.14159"), ("0", "0.001"), ("1", "-1"),
        ("1.24e-8", "1.25e-8"), ("2.55e-10", "2.56e-10"), ("11,\\! 111,\\! 111,\\! 100", "11111111101"),
        ("9007199254740991", "9007199254740990"), ("1267650600228229401496703205376", "1267650600228229401496703205377"),
        ("\\ln 100", "\\log 100"),
    ])
    func differentNumbers(gold: String, answer: String) {
        #expect(!VerifierTesting.boxedIsCorrect(answer, gold: gold))
    }

    @Test("tolerance: 1e-9 relative, with a small floor only against an exact zero")
    func tolerance() {
        #expect(AnswerEquivalence.close(1, 1 + 5e-10, relative: AnswerEquivalence.constantTolerance))
        #expect(!AnswerEquivalence.close(1, 1 + 5e-9, relative: AnswerEquivalence.constantTolerance))
        #expect(AnswerEquivalence.close(1e-30, 1.0000000001e-30, relative: AnswerEquivalence.constantTolerance))
        #expect(!AnswerEquivalence.close(1e-20, 2e-20, relative: AnswerEquivalence.constantTolerance))
        #expect(VerifierTesting.boxedIsCorrect("\\sin \\pi", gold: "0"))
    }

    @Test("tuples keep their order")
    func tuples() {
        #expect(VerifierTesting.boxedIsCorrect("(6, 31, -1)", gold: "(6,31,-1)"))
        #expect(!VerifierTesting.boxedIsCorrect("(31, 6, -1)", gold: "(6,31,-1)"))
        #expect(!VerifierTesting.boxedIsCorrect("(6, 31)", gold: "(6,31,-1)"))
        #expect(VerifierTesting.boxedIsCorrect("\\left( 3, \\frac{\\pi}{2} \\right)", gold: "(3, \\frac{\\pi}{2})"))
    }

    @Test("sets ignore order; intervals' bracket types matter")
    func setsAndIntervals() {
        #expect(VerifierTesting.boxedIsCorrect("\\{2, 1\\}", gold: "\\{1,2\\}"))
        #expect(!VerifierTesting.boxedIsCorrect("\\{1, 3\\}", gold: "\\{1,2\\}"))
        #expect(!VerifierTesting.boxedIsCorrect("\\{1, 2, 2\\}", gold: "\\{1,2\\}"))
        #expect(VerifierTesting.boxedIsCorrect("(3, 4]", gold: "(3,4]"))
        #expect(!VerifierTesting.boxedIsCorrect("(1, 2)", gold: "[1,2)"))
        #expect(!VerifierTesting.boxedIsCorrect("[1, 2]", gold: "[1,2)"))
        #expect(VerifierTesting.boxedIsCorrect("(-\\infty, 0]", gold: "(-\\infty,0]"))
        #expect(!VerifierTesting.boxedIsCorrect("(-\\infty, 0]", gold: "(\\infty,0]"))
        #expect(VerifierTesting.boxedIsCorrect("[\\pi^2/8, 5\\pi^2/4]", gold: "\\left[ \\frac{\\pi^2}{8}, \\frac{5 \\pi^2}{4} \\right]"))
        #expect(VerifierTesting.boxedIsCorrect("(9,36) \\cup (0,9)", gold: "(0,9) \\cup (9,36)"))
        #expect(!VerifierTesting.boxedIsCorrect("(0, 36)", gold: "(0,9) \\cup (9,36)"))
        #expect(VerifierTesting.boxedIsCorrect("x \\in (-\\infty, 2) \\cup (3, \\infty)", gold: "(-\\infty, 2) \\cup (3, \\infty)"))
    }

    @Test("(1,2) is a tuple or an open interval: the gold's shape decides")
    func intervalOrTuple() {
        // Against a bracketed gold, brackets and order must match, which is
        // right under both readings.
        #expect(VerifierTesting.boxedIsCorrect("(1, 2)", gold: "(1,2)"))
        #expect(!VerifierTesting.boxedIsCorrect("(2, 1)", gold: "(1,2)"))
        #expect(!VerifierTesting.boxedIsCorrect("[1, 2]", gold: "(1,2)"))
        #expect(!VerifierTesting.boxedIsCorrect("(1, 2)", gold: "[1,2]"))
        // Against an unordered gold (a set, or a list of solutions) a tuple
        // is the wrong kind of answer.
        #expect(!VerifierTesting.boxedIsCorrect("(1, 2)", gold: "1, 2"))
        #expect(!VerifierTesting.boxedIsCorrect("(1, 2)", gold: "\\{1, 2\\}"))
        // And against a bracketed gold an unbracketed list is.
        #expect(!VerifierTesting.boxedIsCorrect("1, 2", gold: "(1,2)"))
    }

    @Test("comma lists are unordered collections, and equal to sets")
    func lists() {
        #expect(VerifierTesting.boxedIsCorrect("7, 5, 3", gold: "3, 5, 7"))
        #expect(VerifierTesting.boxedIsCorrect("\\{3, 5, 7\\}", gold: "3, 5, 7"))
        #expect(!VerifierTesting.boxedIsCorrect("3, 5", gold: "3, 5, 7"))
        #expect(VerifierTesting.boxedIsCorrect("x = 1, x = -2", gold: "1,-2"))
        #expect(VerifierTesting.boxedIsCorrect("1+\\sqrt{19}, 1-\\sqrt{19}", gold: "1 \\pm \\sqrt{19}"))
        #expect(VerifierTesting.boxedIsCorrect("-2, 1+\\sqrt5, 1-\\sqrt5", gold: "\\{1\\pm\\sqrt{5},-2\\}"))
        #expect(VerifierTesting.boxedIsCorrect("(4,5,7),(1,8,19),(2,7,13)", gold: "$(1,8,19), (2,7,13), (4,5,7)$"))
        #expect(!VerifierTesting.boxedIsCorrect("(4,7,5),(1,8,19),(2,7,13)", gold: "$(1,8,19), (2,7,13), (4,5,7)$"))
        // A one-element set is its element.
        #expect(VerifierTesting.boxedIsCorrect("5", gold: "\\{5\\}"))
    }

    @Test("matrices element by element, in pmatrix, bmatrix and plain matrix")
    func matrices() {
        let gold = "\\begin{pmatrix} -1 & 0 \\\\ 0 & -1 \\end{pmatrix}"
        #expect(VerifierTesting.boxedIsCorrect("\\begin{bmatrix} -1 & 0 \\\\ 0 & -1 \\end{bmatrix}", gold: gold))
        #expect(VerifierTesting.boxedIsCorrect("\\begin{matrix} -1.0 & 0 \\\\ 0 & -1 \\\\ \\end{matrix}", gold: gold))
        #expect(VerifierTesting.boxedIsCorrect("\\left(\\begin{array}{cc} -1 & 0 \\\\ 0 & -1 \\end{array}\\right)", gold: gold))
        #expect(!VerifierTesting.boxedIsCorrect("\\begin{pmatrix} 0 & -1 \\\\ -1 & 0 \\end{pmatrix}", gold: gold))
        #expect(!VerifierTesting.boxedIsCorrect("\\begin{pmatrix} -1 & 0 \\end{pmatrix}", gold: gold))
        let vector = "\\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}"
        #expect(VerifierTesting.boxedIsCorrect("\\begin{pmatrix} -\\frac{1}{3} \\\\ \\frac23 \\\\ \\frac{5}{3} \\end{pmatrix}", gold: vector))
        #expect(!VerifierTesting.boxedIsCorrect("\\begin{pmatrix} -1/3 \\\\ 5/3 \\\\ 2/3 \\end{pmatrix}", gold: vector))
        // A vector may be written as a tuple.
        #expect(VerifierTesting.boxedIsCorrect("\\left(-\\frac13, \\frac23, \\frac53\\right)", gold: vector))
    }

    @Test("expressions equal as functions", arguments: [
        ("x^5 - x^4 + x^3 - x^2 + x - 1", "(x-1)(x^4+x^2+1)"),
        ("(a+5)(b+2)", "ab + 2a + 5b + 10"),
        ("2k+2", "2(k+1)"),
        ("p - q", "-q+p"),
        ("x(x+1)", "x^2 + x"),
        ("6 - 5i", "-5i+6"),
        ("3\\sqrt{2}", "\\sqrt{18}"),
        ("\\cot x", "\\frac{\\cos x}{\\sin x}"),
        ("\\sin^2 x", "1 - \\cos^2 x"),
        ("\\frac{11+9a}{20}", "\\frac{9a+11}{20}"),
        ("\\sqrt{x}", "x^{1/2}"),
        ("\\ln(x^2)", "2\\ln x"),
        ("|x|", "\\sqrt{x^2}"),
        ("\\frac{x^2-1}{x-1}", "x+1"),
        ("e^{2x}", "(e^x)^2"),
        ("e^2", "\\exp(2)"),
        ("\\frac{n(n+1)}{2}", "\\binom{n+1}{2}"),
        ("\\frac{(2n)!}{n!n!}", "\\binom{2n}{n}"),
        ("\\lfloor \\frac{n}{2} \\rfloor", "\\left\\lfloor n/2 \\right\\rfloor"),
        ("(-1)^n", "(-1)^{n+2}"),
        ("I(0) e^{-\\frac{t}{R C}}", "I(0)e^{-t/(RC)}"),
        ("\\sqrt{2} \\cos (2 t-\\pi / 4)", "\\cos(2t) + \\sin(2t)"),
        ("\\omega_{n}^{2} t", "t\\omega_n^2"),
        ("2 \\pi / \\omega", "\\frac{2\\pi}{\\omega}"),
    ])
    func equalExpressions(gold: String, answer: String) {
        #expect(VerifierTesting.boxedIsCorrect(answer, gold: gold))
    }

    @Test("different expressions", arguments: [
        ("x^2 + 7x + 10", "x^2 + 7x + 11"),
        ("2k+2", "2n+2"),
        ("(a+5)(b+2)", "(a+2)(b+5)"),
        ("|x|", "x"),
        ("\\sin x", "\\cos x"),
        ("x^2", "x^3"),
        ("(-1)^n", "(-1)^{n+1}"),
        ("I(0) e^{-\\frac{t}{R C}}", "I(0) e^{-\\frac{2t}{R C}}"),
        ("6 - 5i", "6 + 5i"),
    ])
    func differentExpressions(gold: String, answer: String) {
        #expect(!VerifierTesting.boxedIsCorrect(answer, gold: gold))
    }

    @Test("where neither side is defined at any sample point, only equal spellings match")
    func undefinedEverywhere() {
        #expect(VerifierTesting.boxedIsCorrect("\\sqrt{-1 - x^2}", gold: "\\sqrt{-1-x^2}"))
        #expect(!VerifierTesting.boxedIsCorrect("\\sqrt{-2 - x^2}", gold: "\\sqrt{-1-x^2}"))
        #expect(!VerifierTesting.boxedIsCorrect("\\frac{1}{0}", gold: "\\frac{2}{0}"))
    }

    @Test("equations: the same sides, swapped sides, or a multiple of each other")
    func equations() {
        let plane = "5x - 7y + 11z + 4 = 0"
        #expect(VerifierTesting.boxedIsCorrect("-5x+7y-11z-4=0", gold: plane))
        #expect(VerifierTesting.boxedIsCorrect("0 = 5x-7y+11z+4", gold: plane))
        #expect(VerifierTesting.boxedIsCorrect("10x - 14y + 22z = -8", gold: plane))
        #expect(!VerifierTesting.boxedIsCorrect("5x-7y+11z-4=0", gold: plane))
        #expect(!VerifierTesting.boxedIsCorrect("5x-7y+11z+4", gold: plane))
        // A single variable on the left is a name, so only the right sides count.
        #expect(VerifierTesting.boxedIsCorrect("y = 3 + 2x", gold: "y = 2x + 3"))
        #expect(VerifierTesting.boxedIsCorrect("2x+3", gold: "y = 2x + 3"))
        #expect(!VerifierTesting.boxedIsCorrect("y = 2x + 4", gold: "y = 2x + 3"))
        // Against an equation, a name with a value is an equation too.
        #expect(VerifierTesting.boxedIsCorrect("2x - y + 3 = 0", gold: "y = 2x + 3"))
        #expect(VerifierTesting.boxedIsCorrect("y = -2x", gold: "2x + y = 0"))
        #expect(VerifierTesting.boxedIsCorrect("2x = 10", gold: "x = 5"))
        #expect(!VerifierTesting.boxedIsCorrect("2x = 12", gold: "x = 5"))
    }

    @Test("text answers compare as normalised text, ignoring case")
    func text() {
        #expect(VerifierTesting.boxedIsCorrect("Monday", gold: "\\text{Monday}"))
        #expect(VerifierTesting.boxedIsCorrect("\\text{monday}", gold: "\\text{Monday}"))
        #expect(VerifierTesting.boxedIsCorrect("\\text{ellipse}", gold: "\\text{Ellipse}"))
        #expect(!VerifierTesting.boxedIsCorrect("Evlyne", gold: "\\text{Evelyn}"))
        #expect(!VerifierTesting.boxedIsCorrect("east", gold: "\\text{seat}"))
    }

    @Test("multiple choice: (A), A, \\text{(A)} and \\textbf{(A)} are one answer")
    func multipleChoice() {
        for answer in ["(C)", "C", "\\text{(C)}", "\\textbf{(C)}", "\\mathrm{(C)}", "\\text{C}"] {
            #expect(VerifierTesting.boxedIsCorrect(answer, gold: "\\text{(C)}"), "\(answer)")
        }
        #expect(!VerifierTesting.boxedIsCorrect("(D)", gold: "\\text{(C)}"))
        #expect(!VerifierTesting.boxedIsCorrect("E", gold: "\\text{(C)}"))
    }

    @Test("a gold given as a worked solution is its last box")
    func boxedGold() {
        #expect(VerifierTesting.boxedIsCorrect("1.6", gold: "Thus the diameter is $\\boxed{1.6}$ cm."))
    }
}
