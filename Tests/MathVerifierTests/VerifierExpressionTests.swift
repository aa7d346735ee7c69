import Foundation
import Testing
@testable import MathVerifier

@Suite("Verifier: parsing and evaluating expressions")
struct VerifierExpressionTests {
    private func value(_ text: String) -> Double? {
        guard let expression = MathExpressionParser.parse(Array(text.utf8)[...]), !expression.hasVariables else { return nil }
        return expression.value(at: 0)
    }

    static let constantCases: [(String, Double)] = [
        ("\\frac12", 0.5), ("\\frac{270}7", 270.0 / 7), ("\\frac\\pi2", Double.pi / 2), ("\\sqrt2", 2.0.squareRoot()),
        ("\\sqrt{2}^2", 2.0000000000000004), ("\\sqrt[3]{27}", 3), ("2\\frac{1}{2}", 2.5), ("137 \\frac{1}{2}", 137.5),
        ("3\\sqrt{4}", 6), ("2(3+4)", 14), ("(1+2)(3+4)", 21), ("-2^2", -4), ("2^-1", 0.5), ("2^{3}!", 40320),
        ("2^10", 1024), ("10^{-3}", 0.001), ("\\frac{1}{2}\\cdot 4", 2), ("6/2/3", 1), ("2 \\times 3 \\div 4", 1.5),
        ("|-3|", 3), ("\\lfloor 2.7 \\rfloor", 2), ("\\lceil 2.1 \\rceil", 3), ("\\binom{6}{3}", 20),
        ("\\log_{2} 8", 3), ("\\log 1000", 3), ("\\ln e^2", 2), ("\\exp(0)", 1), ("\\sin^2 0 + \\cos^2 0", 1),
        ("\\sin^{-1} 1", Double.pi / 2), ("52_8", 52), ("7.4e-12", 7.4e-12), ("3E5", 3e5), (".5", 0.5), ("1.", 1),
        ("1 000 000", 1e6), ("12 345.5", 12345.5), ("e", M_E), ("2e", 2 * M_E), ("3e^{2}", 3 * M_E * M_E), ("e^{-1}", 1 / M_E),
    ]

    @Test("constants evaluate as TeX reads them", arguments: constantCases)
    func constants(text: String, expected: Double) throws {
        let actual = try #require(value(text))
        #expect(abs(actual - expected) <= 1e-12 * max(1, abs(expected)), "\(text) = \(actual)")
    }

    @Test("e followed directly by digits is an exponent; otherwise it is Euler's number")
    func exponentOrEuler() throws {
        #expect(try #require(value("7.4e-12")) == 7.4e-12)
        #expect(try #require(value("7.4e+2")) == 740)
        #expect(abs(try #require(value("7.4e")) - 7.4 * M_E) < 1e-12)
        #expect(abs(try #require(value("7.4e - 12")) - (7.4 * M_E - 12)) < 1e-12)
        #expect(abs(try #require(value("e-12")) - (M_E - 12)) < 1e-12)
        // A capital E is a variable unless digits follow it.
        #expect(MathExpressionParser.parse(Array("2E".utf8)[...])?.hasVariables == true)
    }

    @Test("variables, subscripts and applied functions")
    func variables() throws {
        let subscripted = try #require(MathExpressionParser.parse(Array("x_{1} + a_n".utf8)[...]))
        let plain = try #require(MathExpressionParser.parse(Array("x_1 + a_{n}".utf8)[...]))
        #expect(subscripted.hasVariables)
        #expect(AnswerEquivalence.expressionsAgree(subscripted, plain))
        let applied = try #require(MathExpressionParser.parse(Array("I(0)".utf8)[...]))
        let product = try #require(MathExpressionParser.parse(Array("I \\cdot 0".utf8)[...]))
        #expect(!AnswerEquivalence.expressionsAgree(applied, product))
    }

    @Test("sample points are fixed: the same name gets the same value in every run")
    func samplePoints() {
        let name = MathExpression.nameHash(Array("x".utf8))
        #expect(MathExpression.sample(name, point: 3) == MathExpression.sample(name, point: 3))
        #expect(MathExpression.sample(name, point: 3) != MathExpression.sample(name, point: 4))
        #expect(MathExpression.realPoints.allSatisfy { abs(MathExpression.sample(name, point: $0)) >= 0.4 })
        #expect(MathExpression.integerPoints.allSatisfy { MathExpression.sample(name, point: $0).rounded() == MathExpression.sample(name, point: $0) })
    }

    @Test("malformed or unknown input does not parse", arguments: [
        "", "(", ")", "1+", "\\frac{1}", "\\sqrt", "x^", "|x", "\\lfloor x", "\\unknown", "1 = 2", "1, 2", "\\{1\\}",
        "2 \\le 3", "a & b", "\\\\", "2 3", "1 0000", "1 00",
    ])
    func malformed(text: String) {
        #expect(MathExpressionParser.parse(Array(text.utf8)[...]) == nil)
    }

    @Test("nesting is capped, and too-long input is not parsed")
    func limits() {
        let shallow = String(repeating: "(", count: 20) + "1" + String(repeating: ")", count: 20)
        #expect(value(shallow) == 1)
        let deep = String(repeating: "(", count: 100) + "1" + String(repeating: ")", count: 100)
        #expect(MathExpressionParser.parse(Array(deep.utf8)[...]) == nil)
        let long = Array(repeating: "1", count: 3000).joined(separator: "+")
        #expect(MathExpressionParser.parse(Array(long.utf8)[...]) == nil)
        let chain = Array(repeating: "2", count: 200).joined(separator: "^")
        #expect(MathExpressionParser.parse(Array(chain.utf8)[...]) == nil)
    }

    @Test("evaluation never traps: overflow is infinite, domain errors are NaN")
    func evaluationIsTotal() throws {
        #expect(try #require(value("10^{10^{10^{10}}}")) == .infinity)
        #expect(try #require(value("(10^{10})!")).isInfinite)
        #expect(try #require(value("\\sqrt{-1}")).isNaN)
        #expect(try #require(value("\\ln 0")) == -.infinity)
        #expect(try #require(value("\\frac{1}{0}")) == .infinity)
        #expect(try #require(value("\\binom{10^{300}}{10^{150}}")).isNaN)
    }
}
