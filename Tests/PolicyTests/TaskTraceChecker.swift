import Policy

/// Re-derives a gold chain of thought from its problem text alone, with plain
/// Int arithmetic, and says what in it is wrong; nil when nothing is. Kept
/// apart from the generator's code so a shared mistake cannot hide.
enum TaskTraceChecker {
    static func problems(in task: ArithmeticTask) -> String? {
        guard let (numbers, operations) = parse(problem: task.problem) else { return "unreadable problem \(task.problem)" }
        let expected = evaluate(numbers, operations)
        guard task.answer == String(expected) else { return "answer \(task.answer), but \(task.problem) is \(expected)" }

        var lines = task.solution.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.last == "\\boxed{\(expected)}" else { return "last line \(lines.last ?? "") is not \\boxed{\(expected)}" }
        lines.removeLast()

        var value = numbers[0]
        for (index, operation) in operations.enumerated() {
            let operand = numbers[index + 1]
            if index > 0 {
                let header = "\(value)\(operation)\(operand)"
                guard !lines.isEmpty, lines.removeFirst() == header else { return "missing line \(header)" }
            }
            let columns = operation == "*" ? digits(value).count : max(digits(value).count, digits(operand).count)
            guard lines.count >= columns else { return "too few column lines for \(value)\(operation)\(operand)" }
            let columnLines = Array(lines.prefix(columns))
            lines.removeFirst(columns)
            if let problem = checkColumns(columnLines, value, operation, operand) { return problem }
            switch operation {
            case "+": value += operand
            case "-": value -= operand
            default: value *= operand
            }
        }
        return lines.isEmpty ? nil : "extra lines \(lines)"
    }

    /// Each line `x?y?c=v r<digits>`: the right digits, the carry or borrow
    /// of the line above, a true equation, and the result so far grown by
    /// one digit (by the whole value on the last line).
    private static func checkColumns(_ lines: [String], _ left: Int, _ operation: Character, _ right: Int) -> String? {
        let leftDigits = digits(left), rightDigits = digits(right)
        var carried = 0
        var resultSoFar = ""
        for (column, line) in lines.enumerated() {
            let parts = line.split(separator: " ")
            guard parts.count == 2, parts[1].first == "r",
                  let (terms, value) = parseEquation(String(parts[0]), operation), terms.count == 3 else {
                return "line \(line) has the wrong shape"
            }
            let x = column < leftDigits.count ? leftDigits[column] : 0
            let y = operation == "*" ? right : (column < rightDigits.count ? rightDigits[column] : 0)
            let isLast = column == lines.count - 1
            switch operation {
            case "+", "*":
                guard terms == [x, y, carried] else { return "line \(line): expected \(x)\(operation)\(y)+\(carried)" }
                guard value == (operation == "+" ? x + y + carried : x * y + carried) else { return "line \(line) is false" }
                carried = value / 10
                resultSoFar = (isLast ? String(value) : String(value % 10)) + resultSoFar
            default:
                let borrows = x - y - carried < 0
                guard terms == [borrows ? x + 10 : x, y, carried] else { return "line \(line): wrong minuend or borrow" }
                guard value == terms[0] - y - carried, (0...9).contains(value) else { return "line \(line) is false" }
                carried = borrows ? 1 : 0
                resultSoFar = String(value) + resultSoFar
            }
            guard parts[1].dropFirst() == resultSoFar else { return "line \(line): result so far should be \(resultSoFar)" }
        }
        return nil
    }

    /// `x?y?c=v` with `?` the operation then `+` (or `-` for subtraction).
    private static func parseEquation(_ text: String, _ operation: Character) -> ([Int], Int)? {
        let sides = text.split(separator: "=")
        guard sides.count == 2, let value = Int(sides[1]) else { return nil }
        let second: Character = operation == "-" ? "-" : "+"
        let first = sides[0].split(separator: operation, maxSplits: 1)
        guard first.count == 2, let x = Int(first[0]) else { return nil }
        let rest = first[1].split(separator: second)
        guard rest.count == 2, let y = Int(rest[0]), let c = Int(rest[1]) else { return nil }
        return ([x, y, c], value)
    }

    static func parse(problem: String) -> ([Int], [Character])? {
        guard problem.hasSuffix("=?") else { return nil }
        var numbers: [Int] = [], operations: [Character] = [], current = ""
        for character in problem.dropLast(2) {
            if character.isNumber {
                current.append(character)
            } else {
                guard let number = Int(current), "+-*".contains(character) else { return nil }
                numbers.append(number)
                operations.append(character)
                current = ""
            }
        }
        guard let last = Int(current), !operations.isEmpty else { return nil }
        return (numbers + [last], operations)
    }

    /// Multiplication first, then left to right.
    static func evaluate(_ numbers: [Int], _ operations: [Character]) -> Int {
        var terms = [numbers[0]], signs: [Character] = []
        for (operation, number) in zip(operations, numbers.dropFirst()) {
            if operation == "*" { terms[terms.count - 1] *= number } else { terms.append(number); signs.append(operation) }
        }
        return zip(signs, terms.dropFirst()).reduce(terms[0]) { $1.0 == "+" ? $0 + $1.1 : $0 - $1.1 }
    }

    private static func digits(_ value: Int) -> [Int] {
        String(value).reversed().map { $0.wholeNumberValue! }
    }
}
