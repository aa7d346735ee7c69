/// The gold chain of thought: schoolbook column arithmetic, one column per
/// line, from the ones digit up.
///
/// Every column line has the same shape, `x?y?c=v r<digits>`: the column's two
/// digits (or, in multiplication, a digit and the multiplier), the carry or
/// borrow from the line above (always written, 0 included), the column's value,
/// and after ` r` the result so far. Each line therefore needs only the
/// problem's digits of its own column and the line above it: the carry is the
/// tens digit of the value above, a borrow shows as a minuend of 10 or more
/// above, and the result so far is the one above with a digit put in front.
/// The last column puts its whole value in front, so the final result is
/// copied from the last line, without leading zeros, into `\boxed{}`.
///
/// A two-step problem writes its second operation as a line of its own (e.g.
/// `132-63`) and works it the same way.
enum ColumnArithmetic {
    struct Worked: Equatable {
        var lines: [String]
        var value: Int
    }

    static func solution(of problem: ArithmeticProblem) -> (solution: String, answer: String) {
        var lines: [String] = []
        var value = problem.first
        for (index, step) in problem.steps.enumerated() {
            if index > 0 {
                lines.append(String(value) + String(step.operation.rawValue) + String(step.operand))
            }
            let worked = work(value, step.operation, step.operand)
            lines += worked.lines
            value = worked.value
        }
        let answer = String(value)
        lines.append("\\boxed{" + answer + "}")
        return (lines.joined(separator: "\n"), answer)
    }

    static func work(_ left: Int, _ operation: ArithmeticProblem.Operation, _ right: Int) -> Worked {
        switch operation {
        case .add: add(left, right)
        case .subtract: subtract(left, right)
        case .multiply: multiply(left, byDigit: right)
        }
    }

    /// `7+5+0=12 r2`, then `4+8+1=13 r32`; a shorter operand reads 0.
    static func add(_ left: Int, _ right: Int) -> Worked {
        let leftDigits = digitsFromOnes(left), rightDigits = digitsFromOnes(right)
        let columns = max(leftDigits.count, rightDigits.count)
        var lines: [String] = []
        var carry = 0
        var result = ""
        for column in 0..<columns {
            let x = digit(leftDigits, column), y = digit(rightDigits, column)
            let value = x + y + carry
            result = prefix(of: value, isLastColumn: column == columns - 1) + result
            lines.append("\(x)+\(y)+\(carry)=\(value) r\(result)")
            carry = value / 10
        }
        return Worked(lines: lines, value: number(result))
    }

    /// `12-7-0=5 r5`: a column whose digit is too small borrows, which shows
    /// as a minuend of 10 or more, and the next column subtracts the borrow.
    /// Needs `left >= right`, so the last column never borrows.
    static func subtract(_ left: Int, _ right: Int) -> Worked {
        precondition(left >= right, "differences are never negative")
        let leftDigits = digitsFromOnes(left), rightDigits = digitsFromOnes(right)
        var lines: [String] = []
        var borrow = 0
        var result = ""
        for column in 0..<leftDigits.count {
            let x = leftDigits[column], y = digit(rightDigits, column)
            let borrowsNow = x - y - borrow < 0
            let minuend = borrowsNow ? x + 10 : x
            let value = minuend - y - borrow
            result = String(value) + result
            lines.append("\(minuend)-\(y)-\(borrow)=\(value) r\(result)")
            borrow = borrowsNow ? 1 : 0
        }
        return Worked(lines: lines, value: number(result))
    }

    /// `7*6+0=42 r2`, then `4*6+4=28 r82`: the multiplier is one digit, the
    /// carry is the tens digit of the value above.
    static func multiply(_ left: Int, byDigit multiplier: Int) -> Worked {
        precondition((0...9).contains(multiplier), "the multiplier is one digit")
        let leftDigits = digitsFromOnes(left)
        var lines: [String] = []
        var carry = 0
        var result = ""
        for column in 0..<leftDigits.count {
            let x = leftDigits[column]
            let value = x * multiplier + carry
            result = prefix(of: value, isLastColumn: column == leftDigits.count - 1) + result
            lines.append("\(x)*\(multiplier)+\(carry)=\(value) r\(result)")
            carry = value / 10
        }
        return Worked(lines: lines, value: number(result))
    }

    /// The last column writes its carry too; the others only their ones digit.
    private static func prefix(of value: Int, isLastColumn: Bool) -> String {
        isLastColumn ? String(value) : String(value % 10)
    }

    private static func digitsFromOnes(_ value: Int) -> [Int] {
        var digits: [Int] = []
        var rest = value
        repeat {
            digits.append(rest % 10)
            rest /= 10
        } while rest > 0
        return digits
    }

    private static func digit(_ digits: [Int], _ column: Int) -> Int {
        column < digits.count ? digits[column] : 0
    }

    /// The result so far as a number: leading zeros (from a subtraction) go.
    private static func number(_ digits: String) -> Int {
        digits.reduce(0) { $0 * 10 + $1.wholeNumberValue! }
    }
}
