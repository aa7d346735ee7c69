/// One value of an answer: how it is spelled, and what it means if it parses.
struct ScalarAnswer {
    /// The normalised spelling without spaces, for string equality.
    var canonical: [UInt8]
    /// nil when the value does not parse (or is a word); then only the
    /// spelling can match.
    var expression: MathExpression?
    /// Letters only ("Monday", or `(C)` read as C): compared as text,
    /// ignoring case, and never as a product of variables, so that anagrams
    /// do not match.
    var isWord: Bool
    /// For a plain integer (`-0042`): its sign and digits without leading
    /// zeros, compared exactly, since a Double rounds past 2^53.
    var integerDigits: [UInt8]?

    init(_ text: ArraySlice<UInt8>, parse: Bool = true) {
        let text = Self.strippingUnitWords(AnswerShape.trim(text))
        var canonical = text.filter { !LatexBytes.isSpace($0) }
        // A multiple-choice letter: `(A)` and `A` are the same answer.
        if canonical.count == 3, canonical[0] == LatexBytes.openParen, LatexBytes.isLetter(canonical[1]),
           canonical[2] == LatexBytes.closeParen {
            canonical = [canonical[1]]
        }
        self.canonical = canonical
        isWord = !canonical.isEmpty && canonical.allSatisfy(LatexBytes.isLetter)
        integerDigits = Self.integerDigits(canonical)
        guard parse, !(isWord && canonical.count >= 3) else {
            expression = nil
            return
        }
        if let mixed = Self.mixedNumber(text) {
            var constant = MathExpression()
            constant.root = constant.append(.number(mixed))
            expression = constant
        } else {
            expression = MathExpressionParser.parse(text)
        }
    }

    private static func integerDigits(_ canonical: [UInt8]) -> [UInt8]? {
        var digits = canonical[...]
        let negative = digits.first == LatexBytes.minus
        if negative || digits.first == LatexBytes.plus { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy(LatexBytes.isDigit) else { return nil }
        let significant = digits.drop { $0 == UInt8(ascii: "0") }
        if significant.isEmpty { return [UInt8(ascii: "0")] }
        return (negative ? [LatexBytes.minus] : []) + significant
    }

    /// `2 1/2` (a space, then a fraction of whole numbers) is 2.5.
    static func mixedNumber(_ text: ArraySlice<UInt8>) -> Double? {
        var index = text.startIndex
        let negative = index < text.endIndex && text[index] == LatexBytes.minus
        if negative { index += 1 }
        func digits() -> Double? {
            let start = index
            while index < text.endIndex, LatexBytes.isDigit(text[index]) { index += 1 }
            guard index > start, index - start <= 15 else { return nil }
            return Double(String(decoding: text[start..<index], as: UTF8.self))
        }
        guard let whole = digits(), index < text.endIndex, text[index] == LatexBytes.space else { return nil }
        while index < text.endIndex, text[index] == LatexBytes.space { index += 1 }
        guard let numerator = digits(), index < text.endIndex, text[index] == LatexBytes.slash else { return nil }
        index += 1
        guard let denominator = digits(), index == text.endIndex, denominator > 0 else { return nil }
        let value = whole + numerator / denominator
        return negative ? -value : value
    }

    /// Two-letter words that are units when they follow a number.
    private static let shortUnits: Set<[UInt8]> = Set(
        ["cm", "mm", "km", "ft", "in", "kg", "mg", "ml", "mL", "hr", "yd", "mi", "oz", "lb", "cc"].map { Array($0.utf8) })

    /// `27 miles` → `27`: plain words after a number are a unit (units in
    /// `\text{}` were already dropped by normalisation).
    static func strippingUnitWords(_ text: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var index = text.startIndex
        if index < text.endIndex, text[index] == LatexBytes.minus { index += 1 }
        let digitsStart = index
        while index < text.endIndex, LatexBytes.isDigit(text[index]) || text[index] == LatexBytes.period { index += 1 }
        let numberEnd = index
        guard numberEnd > digitsStart, numberEnd < text.endIndex, text[numberEnd] == LatexBytes.space else { return text }
        var sawWord = false
        while index < text.endIndex {
            while index < text.endIndex, text[index] == LatexBytes.space { index += 1 }
            let wordStart = index
            while index < text.endIndex, LatexBytes.isLetter(text[index]) { index += 1 }
            let word = text[wordStart..<index]
            guard word.count >= 3 || shortUnits.contains(Array(word)) else { return text }
            guard index == text.endIndex || text[index] == LatexBytes.space else { return text }
            sawWord = true
        }
        return sawWord ? text[text.startIndex..<numberEnd] : text
    }
}
