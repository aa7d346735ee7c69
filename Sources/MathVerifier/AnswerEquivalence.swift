/// Decides whether an extracted answer equals the gold answer.
///
/// Cheapest test first: identical bytes, then identical normalised
/// spellings, and only then structure, numbers and expressions.
enum AnswerEquivalence {
    /// Longer answers are compared by normalised spelling only, and answers
    /// longer than `maximumNormalizedLength` byte for byte: no real answer is
    /// that long, and it keeps a pathological response to little linear work.
    static let maximumStructuredLength = 8192
    static let maximumNormalizedLength = 65536

    /// Relative tolerance for constants, and for expressions at sample points
    /// (where evaluation order adds rounding).
    static let constantTolerance = 1e-9
    static let pointTolerance = 1e-8
    /// Sample points that must be defined on both sides before two
    /// expressions with variables count as equal.
    static let requiredPoints = 3

    static func equivalent(_ answer: [UInt8], gold: [UInt8]) -> Bool {
        if answer == gold { return true }
        guard answer.count <= maximumNormalizedLength, gold.count <= maximumNormalizedLength else { return false }
        let normalizedAnswer = AnswerNormalization.normalize(answer)
        let normalizedGold = AnswerNormalization.normalize(gold)
        if matches(normalizedAnswer, normalizedGold) { return true }
        // `100,200` may be one number or a list; if either side was read as
        // one number, try both as lists.
        if normalizedAnswer.readPlainThousands || normalizedGold.readPlainThousands {
            return matches(AnswerNormalization.normalize(answer, plainThousands: false),
                           AnswerNormalization.normalize(gold, plainThousands: false))
        }
        return false
    }

    private static func matches(_ answer: NormalizedAnswer, _ gold: NormalizedAnswer) -> Bool {
        let answerSpelling = answer.bytes.filter { !LatexBytes.isSpace($0) }
        let goldSpelling = gold.bytes.filter { !LatexBytes.isSpace($0) }
        // Only markup (`\,`, `\left.`) is no answer.
        guard !answerSpelling.isEmpty, !goldSpelling.isEmpty else { return false }
        if answerSpelling == goldSpelling { return true }
        guard answer.bytes.count <= maximumStructuredLength, gold.bytes.count <= maximumStructuredLength else { return false }
        let goldShape = AnswerShape.parse(gold.bytes)
        let answerShape = AnswerShape.parse(answer.bytes)
        if equivalent(goldShape, answerShape) { return true }
        // `50\%` against `0.5`: a percent sign on one side only may mean the
        // other side is the fraction.
        if answer.hadPercent != gold.hadPercent, case .scalar(let goldValue) = goldShape, case .scalar(let answerValue) = answerShape,
           let goldNumber = constantValue(goldValue), let answerNumber = constantValue(answerValue) {
            return answer.hadPercent
                ? close(answerNumber / 100, goldNumber, relative: constantTolerance)
                : close(answerNumber, goldNumber / 100, relative: constantTolerance)
        }
        return false
    }

    static func equivalent(_ gold: AnswerShape, _ answer: AnswerShape) -> Bool {
        switch (gold, answer) {
        // A name given a value is that value (`x = 5` is 5), except that
        // against an equation it is one (`y = 2x + 3` is `2x - y + 3 = 0`).
        case (.assignment(_, let goldValue), .assignment(_, let answerValue)):
            return equivalent(goldValue, answerValue)
        case (.assignment(let name, .scalar(let value)), .equation(let left, let right)):
            return equationsEqual(name, value, left, right)
        case (.equation(let left, let right), .assignment(let name, .scalar(let value))):
            return equationsEqual(left, right, name, value)
        case (.assignment(_, let goldValue), _):
            return equivalent(goldValue, answer)
        case (_, .assignment(_, let answerValue)):
            return equivalent(gold, answerValue)
        case (.scalar(let goldValue), .scalar(let answerValue)):
            return scalarsEqual(goldValue, answerValue)
        case (.equation(let goldLeft, let goldRight), .equation(let answerLeft, let answerRight)):
            return equationsEqual(goldLeft, goldRight, answerLeft, answerRight)
        case (.bracketed(let goldOpen, let goldClose, let goldItems), .bracketed(let answerOpen, let answerClose, let answerItems)):
            return goldOpen == answerOpen && goldClose == answerClose && goldItems.count == answerItems.count
                && zip(goldItems, answerItems).allSatisfy { equivalent($0, $1) }
        case (.bracketed(_, _, let items), .matrix(let matrix)), (.matrix(let matrix), .bracketed(_, _, let items)):
            // A vector written as a tuple against a one-row or one-column matrix.
            guard let cells = vectorCells(matrix), cells.count == items.count else { return false }
            return zip(items, cells).allSatisfy { item, cell in
                if case .scalar(let value) = item { return scalarsEqual(value, cell) }
                return false
            }
        case (.matrix(let goldRows), .matrix(let answerRows)):
            return goldRows.count == answerRows.count
                && zip(goldRows, answerRows).allSatisfy { goldRow, answerRow in
                    goldRow.count == answerRow.count && zip(goldRow, answerRow).allSatisfy { scalarsEqual($0, $1) }
                }
        case (.collection(let goldItems), .collection(let answerItems)), (.union(let goldItems), .union(let answerItems)):
            return unorderedEqual(goldItems, answerItems)
        case (.collection(let goldItems), _) where goldItems.count == 1:
            return equivalent(goldItems[0], answer)
        case (_, .collection(let answerItems)) where answerItems.count == 1:
            return equivalent(gold, answerItems[0])
        default:
            return false
        }
    }

    private static func vectorCells(_ matrix: [[ScalarAnswer]]) -> [ScalarAnswer]? {
        if matrix.count == 1 { return matrix[0] }
        guard matrix.allSatisfy({ $0.count == 1 }) else { return nil }
        return matrix.map { $0[0] }
    }

    /// Beyond this many items, unordered collections must match by spelling:
    /// pairwise matching is quadratic.
    static let maximumMatchedItems = 256

    /// Every gold item matched to a distinct answer item.
    private static func unorderedEqual(_ gold: [AnswerShape], _ answer: [AnswerShape]) -> Bool {
        guard gold.count == answer.count else { return false }
        if gold.count > maximumMatchedItems {
            return gold.map(\.spelling).sorted { $0.lexicographicallyPrecedes($1) }
                == answer.map(\.spelling).sorted { $0.lexicographicallyPrecedes($1) }
        }
        var used = [Bool](repeating: false, count: answer.count)
        for item in gold {
            guard let match = answer.indices.first(where: { !used[$0] && equivalent(item, answer[$0]) }) else { return false }
            used[match] = true
        }
        return true
    }

    static func scalarsEqual(_ gold: ScalarAnswer, _ answer: ScalarAnswer) -> Bool {
        if gold.canonical == answer.canonical { return true }
        if gold.isWord || answer.isWord {
            if gold.isWord, answer.isWord,
               gold.canonical.lazy.map(LatexBytes.lowercased).elementsEqual(answer.canonical.lazy.map(LatexBytes.lowercased)) {
                return true
            }
            // Words are text; only short letter strings (`xy`) may still be products.
            if gold.canonical.count >= 3 && gold.isWord || answer.canonical.count >= 3 && answer.isWord { return false }
        }
        if let goldDigits = gold.integerDigits, let answerDigits = answer.integerDigits { return goldDigits == answerDigits }
        guard let goldExpression = gold.expression, let answerExpression = answer.expression else { return false }
        return expressionsAgree(goldExpression, answerExpression)
    }

    /// Equal as numbers if both are constants; otherwise equal at every
    /// sample point where both are defined, with enough such points.
    static func expressionsAgree(_ gold: MathExpression, _ answer: MathExpression) -> Bool {
        if !gold.hasVariables, !answer.hasVariables {
            if let goldSign = gold.infinitySign, let answerSign = answer.infinitySign { return goldSign == answerSign }
            let goldValue = gold.value(at: 0)
            let answerValue = answer.value(at: 0)
            // An overflow (`10^{10^{10}}`) is not a value to compare.
            guard goldValue.isFinite, answerValue.isFinite else { return false }
            // Whole numbers are exact, however large: 11111111100 is not
            // 11111111101. Past 2^53 a Double no longer holds every integer.
            if goldValue.rounded() == goldValue, answerValue.rounded() == answerValue,
               max(abs(goldValue), abs(answerValue)) < 0x1p53 {
                return goldValue == answerValue
            }
            return close(goldValue, answerValue, relative: constantTolerance)
        }
        var defined = 0
        for point in MathExpression.realPoints.lowerBound..<MathExpression.integerPoints.upperBound {
            if point == MathExpression.integerPoints.lowerBound, defined >= requiredPoints { return true }
            let goldValue = gold.value(at: point)
            let answerValue = answer.value(at: point)
            guard goldValue.isFinite, answerValue.isFinite else { continue }
            guard close(goldValue, answerValue, relative: pointTolerance) else { return false }
            defined += 1
        }
        return defined >= requiredPoints
    }

    /// `a = b` against `c = d`: the same two sides, or differences `a - b`
    /// and `c - d` in a constant nonzero ratio (`2x = 4` is `x - 2 = 0`).
    private static func equationsEqual(
        _ goldLeft: ScalarAnswer, _ goldRight: ScalarAnswer, _ answerLeft: ScalarAnswer, _ answerRight: ScalarAnswer
    ) -> Bool {
        if scalarsEqual(goldLeft, answerLeft), scalarsEqual(goldRight, answerRight) { return true }
        if scalarsEqual(goldLeft, answerRight), scalarsEqual(goldRight, answerLeft) { return true }
        guard let gl = goldLeft.expression, let gr = goldRight.expression,
              let al = answerLeft.expression, let ar = answerRight.expression else { return false }
        var ratio: Double?
        var defined = 0
        for point in MathExpression.realPoints.lowerBound..<MathExpression.integerPoints.upperBound {
            let goldDifference = gl.value(at: point) - gr.value(at: point)
            let answerDifference = al.value(at: point) - ar.value(at: point)
            guard goldDifference.isFinite, answerDifference.isFinite, goldDifference != 0 else { continue }
            let pointRatio = answerDifference / goldDifference
            if let ratio {
                guard close(pointRatio, ratio, relative: pointTolerance) else { return false }
            } else {
                guard pointRatio != 0, pointRatio.isFinite else { return false }
                ratio = pointRatio
            }
            defined += 1
        }
        return defined >= requiredPoints
    }

    private static func constantValue(_ scalar: ScalarAnswer) -> Double? {
        guard let expression = scalar.expression, !expression.hasVariables else { return nil }
        let value = expression.value(at: 0)
        return value.isFinite ? value : nil
    }

    /// Within `relative` of the larger magnitude; against an exact zero,
    /// within 1e-12, to absorb rounding such as sin(π) ≈ 1.2e-16.
    static func close(_ x: Double, _ y: Double, relative: Double) -> Bool {
        if x == y { return true }
        let difference = abs(x - y)
        if difference <= relative * max(abs(x), abs(y)) { return true }
        return (x == 0 || y == 0) && difference <= 1e-12
    }
}
