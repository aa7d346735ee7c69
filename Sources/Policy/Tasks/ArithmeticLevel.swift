/// The difficulty levels, easiest first. Harder levels have more columns,
/// multiplication facts, or two operations in a row, so that a briefly
/// warm-started small model solves the first ones mostly and the last ones
/// rarely.
enum ArithmeticLevel: Int, CaseIterable, Sendable {
    case oneDigitSum = 1
    case twoDigit
    case threeDigit
    case fourAndFiveDigit
    case multiplyByDigit
    case twoStep

    var summary: String {
        switch self {
        case .oneDigitSum: "a+b, 1-digit"
        case .twoDigit: "a+b or a-b, up to 2 digits"
        case .threeDigit: "a+b or a-b, 2 to 3 digits"
        case .fourAndFiveDigit: "a+b or a-b, 4 to 5 digits"
        case .multiplyByDigit: "a*b, 2-3 digits by 1 digit"
        case .twoStep: "a+b-c, a-b+c, a*b+c or a*b-c"
        }
    }

    func draw(using random: inout TaskRandom) -> ArithmeticProblem {
        switch self {
        case .oneDigitSum:
            return ArithmeticProblem(random.number(digits: 1), [(.add, random.number(digits: 1))])
        case .twoDigit:
            return sumOrDifference(longer: 2...2, shorterAtLeast: 1, using: &random)
        case .threeDigit:
            return sumOrDifference(longer: 3...3, shorterAtLeast: 2, using: &random)
        case .fourAndFiveDigit:
            return sumOrDifference(longer: 4...5, shorterAtLeast: 4, using: &random)
        case .multiplyByDigit:
            let left = random.number(digits: random.uniform(in: 2...3))
            return ArithmeticProblem(left, [(.multiply, random.uniform(in: 2...9))])
        case .twoStep:
            return twoStep(using: &random)
        }
    }

    /// One operand has `longer` digits, the other between `shorterAtLeast`
    /// digits and as many; a sum comes in either order, a difference takes
    /// the larger first.
    private func sumOrDifference(longer: ClosedRange<Int>, shorterAtLeast: Int, using random: inout TaskRandom) -> ArithmeticProblem {
        let longerDigits = random.uniform(in: longer)
        let x = random.number(digits: longerDigits)
        let y = random.number(digits: random.uniform(in: shorterAtLeast...longerDigits))
        if random.coinFlip() {
            return ArithmeticProblem(max(x, y), [(.subtract, min(x, y))])
        }
        return random.coinFlip() ? ArithmeticProblem(x, [(.add, y)]) : ArithmeticProblem(y, [(.add, x)])
    }

    /// Two-digit numbers and a one-digit multiplier (2 to 9), drawn so that
    /// nothing goes below 0.
    private func twoStep(using random: inout TaskRandom) -> ArithmeticProblem {
        let a = random.number(digits: 2), b = random.number(digits: 2)
        switch random.below(4) {
        case 0:
            return ArithmeticProblem(a, [(.add, b), (.subtract, random.uniform(in: 10...min(99, a + b)))])
        case 1:
            return ArithmeticProblem(max(a, b), [(.subtract, min(a, b)), (.add, random.number(digits: 2))])
        case 2:
            return ArithmeticProblem(a, [(.multiply, random.uniform(in: 2...9)), (.add, b)])
        default:
            let multiplier = random.uniform(in: 2...9)
            return ArithmeticProblem(a, [(.multiply, multiplier), (.subtract, random.uniform(in: 10...min(99, a * multiplier)))])
        }
    }
}
