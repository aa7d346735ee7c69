/// The structure of a normalised answer, which decides how two answers are
/// compared: element by element in order, element by element in any order,
/// or as single values.
indirect enum AnswerShape {
    case scalar(ScalarAnswer)
    case equation(ScalarAnswer, ScalarAnswer)
    /// `x = 5`, `f(x) = 2x`, `x \in [-2, 7]`: a name given a value. The
    /// value is the answer; the name is kept only to compare with equations.
    case assignment(name: ScalarAnswer, value: AnswerShape)
    /// `(a, b)`, `[a, b)`, `(a, b, c)`: tuples and intervals alike. The
    /// brackets and the order of the elements are part of the value.
    case bracketed(open: UInt8, close: UInt8, [AnswerShape])
    /// `\{a, b\}` or a bare list `a, b` ("find all solutions"): unordered.
    case collection([AnswerShape])
    /// `A \cup B`: unordered parts.
    case union([AnswerShape])
    case matrix([[ScalarAnswer]])

    /// A canonical spelling of the whole shape, for cheap exact comparison.
    var spelling: [UInt8] {
        switch self {
        case .scalar(let value):
            return value.canonical
        case .equation(let left, let right):
            return left.canonical + [LatexBytes.equals] + right.canonical
        case .assignment(_, let value):
            return value.spelling
        case .bracketed(let open, let close, let items):
            return [open] + Self.joined(items.map(\.spelling)) + [close]
        case .collection(let items):
            return [LatexBytes.openBrace] + Self.joined(items.map(\.spelling)) + [LatexBytes.closeBrace]
        case .union(let items):
            return Self.joined(items.map(\.spelling), separator: LatexBytes.bar)
        case .matrix(let rows):
            return Self.joined(rows.map { Self.joined($0.map(\.canonical), separator: LatexBytes.ampersand) },
                               separator: LatexBytes.newline)
        }
    }

    private static func joined(_ parts: [[UInt8]], separator: UInt8 = LatexBytes.comma) -> [UInt8] {
        var result: [UInt8] = []
        for (index, part) in parts.enumerated() {
            if index > 0 { result.append(separator) }
            result.append(contentsOf: part)
        }
        return result
    }

    /// Structure nests a few levels in real answers (a list of tuples).
    static let maximumDepth = 12

    static func parse(_ bytes: [UInt8]) -> AnswerShape {
        parseAnswer(bytes[...], depth: 0)
    }

    /// A whole answer: a comma list is a collection of its items.
    private static func parseAnswer(_ text: ArraySlice<UInt8>, depth: Int) -> AnswerShape {
        let text = trim(text)
        guard depth < maximumDepth else { return .scalar(ScalarAnswer(text, parse: false)) }
        let parts = split(text, at: LatexBytes.comma)
        if parts.count > 1 {
            return .collection(parts.flatMap { parseItem($0, depth: depth + 1) })
        }
        let items = parseItem(text, depth: depth + 1)
        return items.count == 1 ? items[0] : .collection(items)
    }

    /// One item of a list; `a \pm b` stands for two.
    private static func parseItem(_ text: ArraySlice<UInt8>, depth: Int) -> [AnswerShape] {
        let text = trim(text)
        guard depth < maximumDepth else { return [.scalar(ScalarAnswer(text, parse: false))] }
        if let (name, value) = assignment(text) {
            let name = ScalarAnswer(name)
            return parseItem(value, depth: depth + 1).map { .assignment(name: name, value: $0) }
        }
        let unionParts = splitAtCup(text)
        if unionParts.count > 1 {
            return [.union(unionParts.map { parseAnswer($0, depth: depth + 1) })]
        }
        if text.count >= 4, text.first == LatexBytes.backslash, text[text.startIndex + 1] == LatexBytes.openBrace,
           matchingClose(text, open: text.startIndex + 1) == text.endIndex - 1, text[text.endIndex - 2] == LatexBytes.backslash {
            let inner = text[(text.startIndex + 2)..<(text.endIndex - 2)]
            let parts = split(inner, at: LatexBytes.comma)
            return [.collection(parts.flatMap { parseItem($0, depth: depth + 1) })]
        }
        if let first = text.first, first == LatexBytes.openParen || first == LatexBytes.openBracket,
           matchingClose(text, open: text.startIndex) == text.endIndex - 1 {
            let inner = trim(text[(text.startIndex + 1)..<(text.endIndex - 1)])
            if let matrix = parseMatrix(inner) { return [.matrix(matrix)] }
            let parts = split(inner, at: LatexBytes.comma)
            if parts.count > 1 {
                return [.bracketed(open: first, close: text[text.endIndex - 1], parts.map { parseAnswer($0, depth: depth + 1) })]
            }
        }
        if let matrix = parseMatrix(text) { return [.matrix(matrix)] }
        let equals = topLevelPositions(text, of: LatexBytes.equals)
        if equals.count == 1, let position = equals.first {
            return [.equation(ScalarAnswer(text[..<position]), ScalarAnswer(text[(position + 1)...]))]
        }
        if let (plus, minus) = expandingPlusMinus(text) {
            return [.scalar(ScalarAnswer(plus[...])), .scalar(ScalarAnswer(minus[...]))]
        }
        return [.scalar(ScalarAnswer(text))]
    }

    // MARK: Matrices

    private static let matrixEnvironments: Set<String> = [
        "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "matrix", "smallmatrix", "array",
    ]

    /// `\begin{pmatrix} a & b \\ c & d \end{pmatrix}` (and the other matrix
    /// environments) as rows of cells.
    private static func parseMatrix(_ text: ArraySlice<UInt8>) -> [[ScalarAnswer]]? {
        guard text.count > 7, text.first == LatexBytes.backslash else { return nil }
        let bytes = Array(text)
        guard LatexBytes.matches(bytes, at: 0, "\\begin{"), let nameEnd = bytes[7...].firstIndex(of: LatexBytes.closeBrace) else {
            return nil
        }
        let name = String(decoding: bytes[7..<nameEnd], as: UTF8.self)
        guard matrixEnvironments.contains(name) else { return nil }
        let ending = Array("\\end{\(name)}".utf8)
        guard bytes.count >= nameEnd + 1 + ending.count, bytes[(bytes.count - ending.count)...].elementsEqual(ending) else {
            return nil
        }
        var bodyStart = nameEnd + 1
        // `array` takes a column specification first.
        if name == "array" {
            while bodyStart < bytes.count, LatexBytes.isSpace(bytes[bodyStart]) { bodyStart += 1 }
            guard bodyStart < bytes.count, bytes[bodyStart] == LatexBytes.openBrace,
                  let specEnd = LatexBytes.matchingBrace(bytes, open: bodyStart) else { return nil }
            bodyStart = specEnd
        }
        let bodyEnd = bytes.count - ending.count
        guard bodyStart <= bodyEnd else { return nil }
        var rows: [[ScalarAnswer]] = []
        for row in splitRows(bytes[bodyStart..<bodyEnd]) {
            let cells = split(row, at: LatexBytes.ampersand, keepEmpty: true).map { ScalarAnswer($0) }
            if cells.count == 1, cells[0].canonical.isEmpty { continue }
            rows.append(cells)
        }
        return rows.isEmpty ? nil : rows
    }

    /// Splits a matrix body at top-level `\\`.
    private static func splitRows(_ text: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var rows: [ArraySlice<UInt8>] = []
        var depth = 0
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            let byte = text[index]
            if byte == LatexBytes.backslash, index + 1 < text.endIndex {
                if text[index + 1] == LatexBytes.backslash, depth == 0 {
                    rows.append(text[start..<index])
                    index += 2
                    start = index
                    continue
                }
                index += 2
                continue
            }
            depth += bracketDelta(byte)
            index += 1
        }
        rows.append(text[start..<text.endIndex])
        return rows
    }

    // MARK: Assignments and ±

    /// The name and the value of `x = 5`, `f(x) = 2x`, `(x, y) = (1, 2)` or
    /// `x \in [-2, 7]`; nil when the left side is not a name.
    static func assignment(_ text: ArraySlice<UInt8>) -> (name: ArraySlice<UInt8>, value: ArraySlice<UInt8>)? {
        let equals = topLevelPositions(text, of: LatexBytes.equals)
        if equals.count == 1, let position = equals.first {
            let name = trim(text[..<position])
            let value = trim(text[(position + 1)...])
            return !value.isEmpty && isAssignable(name) ? (name, value) : nil
        }
        guard equals.isEmpty else { return nil }
        var index = text.startIndex
        while index + 3 <= text.endIndex {
            if text[index] == LatexBytes.backslash, text[index + 1] == UInt8(ascii: "i"), text[index + 2] == UInt8(ascii: "n"),
               index + 3 == text.endIndex || !LatexBytes.isLetter(text[index + 3]) {
                let name = trim(text[..<index])
                let value = trim(text[(index + 3)...])
                return !value.isEmpty && isAssignable(name) ? (name, value) : nil
            }
            index += 1
        }
        return nil
    }

    private static func isAssignable(_ text: ArraySlice<UInt8>) -> Bool {
        guard let first = text.first else { return false }
        if first == LatexBytes.openParen, text.last == LatexBytes.closeParen {
            let parts = split(text[(text.startIndex + 1)..<(text.endIndex - 1)], at: LatexBytes.comma)
            return !parts.isEmpty && parts.allSatisfy { identifierEnd($0, allowArguments: false) == $0.endIndex }
        }
        return identifierEnd(text, allowArguments: true) == text.endIndex
    }

    /// Where a name such as `x`, `a_1`, `m_{\max}`, `\theta`, `f(x)`, `y'`
    /// ends, or nil if `text` does not start with one.
    private static func identifierEnd(_ text: ArraySlice<UInt8>, allowArguments: Bool) -> Int? {
        let text = trim(text)
        var index = text.startIndex
        guard index < text.endIndex else { return nil }
        if LatexBytes.isLetter(text[index]) {
            index += 1
        } else if text[index] == LatexBytes.backslash {
            index += 1
            let nameStart = index
            while index < text.endIndex, LatexBytes.isLetter(text[index]) { index += 1 }
            guard index > nameStart else { return nil }
        } else {
            return nil
        }
        while index < text.endIndex, LatexBytes.isSpace(text[index]) { index += 1 }
        if index < text.endIndex, text[index] == LatexBytes.underscore {
            index += 1
            while index < text.endIndex, LatexBytes.isSpace(text[index]) { index += 1 }
            guard index < text.endIndex else { return nil }
            if text[index] == LatexBytes.openBrace {
                guard let close = matchingClose(text, open: index) else { return nil }
                index = close + 1
            } else {
                index += 1
            }
        }
        while index < text.endIndex, text[index] == UInt8(ascii: "'") { index += 1 }
        while index < text.endIndex, LatexBytes.isSpace(text[index]) { index += 1 }
        if allowArguments, index < text.endIndex, text[index] == LatexBytes.openParen {
            guard let close = matchingClose(text, open: index),
                  text[(index + 1)..<close].allSatisfy({
                      LatexBytes.isLetter($0) || LatexBytes.isDigit($0) || $0 == LatexBytes.comma || LatexBytes.isSpace($0)
                  }) else { return nil }
            index = close + 1
        }
        while index < text.endIndex, LatexBytes.isSpace(text[index]) { index += 1 }
        return index
    }

    /// `a \pm b` as (`a + b`, `a - b`); `\mp` takes the other sign.
    private static func expandingPlusMinus(_ text: ArraySlice<UInt8>) -> ([UInt8], [UInt8])? {
        var plus: [UInt8] = []
        var minus: [UInt8] = []
        var found = false
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == LatexBytes.backslash, index + 3 <= text.endIndex,
               index + 3 == text.endIndex || !LatexBytes.isLetter(text[index + 3]) {
                let first = text[index + 1]
                let second = text[index + 2]
                if (first, second) == (UInt8(ascii: "p"), UInt8(ascii: "m")) || (first, second) == (UInt8(ascii: "m"), UInt8(ascii: "p")) {
                    let isPlusMinus = first == UInt8(ascii: "p")
                    plus.append(isPlusMinus ? LatexBytes.plus : LatexBytes.minus)
                    minus.append(isPlusMinus ? LatexBytes.minus : LatexBytes.plus)
                    found = true
                    index += 3
                    continue
                }
            }
            plus.append(text[index])
            minus.append(text[index])
            index += 1
        }
        return found ? (plus, minus) : nil
    }

    // MARK: Scanning

    private static func bracketDelta(_ byte: UInt8) -> Int {
        switch byte {
        case LatexBytes.openParen, LatexBytes.openBracket, LatexBytes.openBrace: return 1
        case LatexBytes.closeParen, LatexBytes.closeBracket, LatexBytes.closeBrace: return -1
        default: return 0
        }
    }

    /// The index of the bracket that closes the one at `open`. Any closing
    /// bracket matches any opening one, since intervals mix them (`[1, 2)`).
    static func matchingClose(_ text: ArraySlice<UInt8>, open: Int) -> Int? {
        var depth = 0
        for index in open..<text.endIndex {
            depth += bracketDelta(text[index])
            if depth == 0 { return index }
        }
        return nil
    }

    /// Pieces of `text` between top-level `separator`s, trimmed; empty pieces
    /// (a trailing comma) are dropped unless `keepEmpty`.
    static func split(_ text: ArraySlice<UInt8>, at separator: UInt8, keepEmpty: Bool = false) -> [ArraySlice<UInt8>] {
        var parts: [ArraySlice<UInt8>] = []
        var depth = 0
        var start = text.startIndex
        for index in text.indices {
            let byte = text[index]
            if byte == separator, depth == 0 {
                parts.append(trim(text[start..<index]))
                start = index + 1
            } else {
                depth += bracketDelta(byte)
            }
        }
        parts.append(trim(text[start..<text.endIndex]))
        return keepEmpty ? parts : parts.filter { !$0.isEmpty }
    }

    private static func topLevelPositions(_ text: ArraySlice<UInt8>, of target: UInt8) -> [Int] {
        var positions: [Int] = []
        var depth = 0
        for index in text.indices {
            let byte = text[index]
            if byte == target, depth == 0 { positions.append(index) }
            depth += bracketDelta(byte)
        }
        return positions
    }

    /// Pieces between top-level `\cup`s.
    private static func splitAtCup(_ text: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var parts: [ArraySlice<UInt8>] = []
        var depth = 0
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            let byte = text[index]
            if byte == LatexBytes.backslash, depth == 0, index + 4 <= text.endIndex,
               text[index + 1] == UInt8(ascii: "c"), text[index + 2] == UInt8(ascii: "u"), text[index + 3] == UInt8(ascii: "p"),
               index + 4 == text.endIndex || !LatexBytes.isLetter(text[index + 4]) {
                parts.append(trim(text[start..<index]))
                index += 4
                start = index
                continue
            }
            depth += bracketDelta(byte)
            index += 1
        }
        parts.append(trim(text[start..<text.endIndex]))
        return parts.filter { !$0.isEmpty }
    }

    static func trim(_ text: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        text[LatexBytes.trimmed(text, text.startIndex..<text.endIndex)]
    }
}
