/// One problem: a number followed by one or two operations, worked left to
/// right. Multiplication only ever comes first, so left to right is also the
/// usual precedence, and every intermediate and final value is at least 0.
struct ArithmeticProblem: Equatable, Sendable {
    enum Operation: Character, Sendable {
        case add = "+"
        case subtract = "-"
        case multiply = "*"
    }

    struct Step: Equatable, Sendable {
        var operation: Operation
        var operand: Int
    }

    var first: Int
    var steps: [Step]

    init(_ first: Int, _ steps: [(Operation, Int)]) {
        precondition(first >= 0 && steps.allSatisfy { $0.1 >= 0 }, "operands are never negative")
        self.first = first
        self.steps = steps.map { Step(operation: $0.0, operand: $0.1) }
    }

    /// What the model is asked, e.g. `347+85=?`.
    var text: String {
        steps.reduce(String(first)) { $0 + String($1.operation.rawValue) + String($1.operand) } + "=?"
    }
}
