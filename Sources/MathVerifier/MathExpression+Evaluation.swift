import Foundation
import Shared

/// Numeric evaluation in `Double`: overflow gives infinities and domain
/// errors give NaN, never a trap, so any parsed input evaluates safely.
extension MathExpression {
    /// Sample points per comparison: real points first (most positive, where
    /// roots and logarithms are defined; some negative, to tell `|x|` from
    /// `x`), then small integers for expressions only defined there, such as
    /// `(-1)^n`.
    static let realPoints = 0..<10
    static let integerPoints = 10..<16

    /// The value at sample point `point`, where every variable takes a value
    /// drawn from a fixed-seed generator keyed by its name and the point.
    func value(at point: Int) -> Double {
        evaluate(root, point)
    }

    /// A variable's value at a sample point: the same for the same name on
    /// both sides of a comparison, and the same in every run.
    static func sample(_ name: UInt64, point: Int) -> Double {
        var generator = SplitMix64(seed: name ^ (UInt64(point) &* 0xD1B5_4A32_D192_ED03))
        let unit = Double(generator.next() >> 11) * 0x1p-53
        switch point {
        case 0..<7: return 0.4 + 2.5 * unit
        case 7..<10: return -(0.4 + 2.5 * unit)
        default: return Double(2 + generator.next() % 6)
        }
    }

    private func evaluate(_ index: Int32, _ point: Int) -> Double {
        switch nodes[Int(index)] {
        case .number(let value):
            return value
        case .infinity:
            return .infinity
        case .variable(let name):
            return Self.sample(name, point: point)
        case .sum(let start, let count):
            var total = 0.0
            for operand in operands[Int(start)..<Int(start + count)] { total += evaluate(operand, point) }
            return total
        case .product(let start, let count):
            var total = 1.0
            for operand in operands[Int(start)..<Int(start + count)] { total *= evaluate(operand, point) }
            return total
        case .negate(let inner):
            return -evaluate(inner, point)
        case .reciprocal(let inner):
            return 1 / evaluate(inner, point)
        case .power(let base, let exponent):
            return pow(evaluate(base, point), evaluate(exponent, point))
        case .function(let function, let inner):
            return function.apply(evaluate(inner, point))
        case .logarithm(let base, let argument):
            return log(evaluate(argument, point)) / log(evaluate(base, point))
        case .root(let index, let radicand):
            let degree = evaluate(index, point)
            let value = evaluate(radicand, point)
            // Odd roots of negatives are real: ∛(-8) = -2.
            if value < 0, degree.rounded() == degree, degree.truncatingRemainder(dividingBy: 2) != 0 {
                return -pow(-value, 1 / degree)
            }
            return pow(value, 1 / degree)
        case .binomial(let top, let bottom):
            let n = evaluate(top, point)
            let k = evaluate(bottom, point)
            let direct = tgamma(n + 1) / (tgamma(k + 1) * tgamma(n - k + 1))
            // Past 1e15, lgamma's differences lose every digit.
            guard !direct.isFinite, Swift.abs(n) < 1e15 else { return direct }
            return exp(lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1))
        case .applied(let name, let argument):
            // An opaque but smooth function, fixed by the name.
            let x = evaluate(argument, point)
            let a = Self.sample(name, point: 0)
            let b = Self.sample(name ^ 0x5555_5555_5555_5555, point: 0)
            return sin(a * x + b) + a
        }
    }
}

extension MathExpression.Function {
    func apply(_ x: Double) -> Double {
        applyFunction(self, x)
    }
}

/// Outside the enum, so that `sin` names the C function and not the case.
private func applyFunction(_ function: MathExpression.Function, _ x: Double) -> Double {
    switch function {
    case .sin: return sin(x)
    case .cos: return cos(x)
    case .tan: return tan(x)
    case .cot: return 1 / tan(x)
    case .sec: return 1 / cos(x)
    case .csc: return 1 / sin(x)
    case .arcsin: return asin(x)
    case .arccos: return acos(x)
    case .arctan: return atan(x)
    case .sinh: return sinh(x)
    case .cosh: return cosh(x)
    case .tanh: return tanh(x)
    case .coth: return 1 / tanh(x)
    case .ln: return log(x)
    case .exp: return exp(x)
    case .sqrt: return x.squareRoot()
    case .abs: return Swift.abs(x)
    case .floor: return x.rounded(.down)
    case .ceil: return x.rounded(.up)
    case .factorial:
        // Exact products for small whole numbers; Γ(x+1) otherwise.
        if x >= 0, x <= 170, x.rounded() == x {
            var product = 1.0
            var factor = 2.0
            while factor <= x {
                product *= factor
                factor += 1
            }
            return product
        }
        return tgamma(x + 1)
    }
}
