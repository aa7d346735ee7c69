/// An answer after `AnswerNormalization`, with what the rewrite dropped that
/// comparison still needs to know.
struct NormalizedAnswer: Equatable {
    var bytes: [UInt8]
    /// A `%` was dropped: `50\%` may also mean 0.5.
    var hadPercent = false
    /// Plain commas were read as thousands separators (`1,000`), which is
    /// ambiguous with a list of numbers.
    var readPlainThousands = false
}

/// Rewrites an answer's LaTeX into one spelling, so that notation which does
/// not change the value (sizing commands, spacing, `\dfrac`, units, degrees,
/// percent and dollar signs, thousands separators) never decides a verdict.
///
/// Single pass over the bytes plus one for plain thousands separators; text
/// groups are unwrapped with a stack of pending closing braces rather than by
/// recursion, so nesting depth costs nothing.
enum AnswerNormalization {
    static func normalize(_ input: [UInt8], plainThousands: Bool = true) -> NormalizedAnswer {
        var result = rewrite(input)
        if plainThousands { result.readPlainThousands = removePlainThousandsSeparators(&result.bytes) }
        return result
    }

    private enum Group {
        case kept
        /// The opening brace of an unwrapped `\text{…}` was dropped, so its
        /// closing brace is dropped too.
        case unwrapped
    }

    private static func rewrite(_ input: [UInt8]) -> NormalizedAnswer {
        var result = NormalizedAnswer(bytes: [])
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var groups: [Group] = []
        var index = 0
        let count = input.count

        func emitSpace() {
            if let last = out.last, last != LatexBytes.space { out.append(LatexBytes.space) }
        }

        while index < count {
            let byte = input[index]
            switch byte {
            case LatexBytes.dollar:
                index += 1
            case UInt8(ascii: "%"):
                result.hadPercent = true
                index += 1
            case UInt8(ascii: "~"), 9, 10, 13, LatexBytes.space:
                emitSpace()
                index += 1
            case LatexBytes.caret:
                if let end = degreeSuperscriptEnd(input, caret: index) {
                    index = end
                } else if let end = primeSuperscriptEnd(input, caret: index) {
                    out.append(UInt8(ascii: "'"))
                    index = end
                } else {
                    out.append(byte)
                    index += 1
                }
            case LatexBytes.openBrace:
                // `1{,}000`: a thousands separator in TeX's spelling.
                if index + 2 < count, input[index + 1] == LatexBytes.comma, input[index + 2] == LatexBytes.closeBrace {
                    index += 3
                } else {
                    groups.append(.kept)
                    out.append(byte)
                    index += 1
                }
            case LatexBytes.closeBrace:
                if groups.popLast() != .unwrapped { out.append(byte) }
                index += 1
            case LatexBytes.comma:
                index = rewriteComma(input, at: index, into: &out)
            case LatexBytes.backslash:
                index = rewriteCommand(input, at: index, into: &out, groups: &groups, result: &result)
            case 0x80...:
                index = rewriteUnicode(input, at: index, into: &out)
            default:
                out.append(byte)
                index += 1
            }
        }
        while out.last == LatexBytes.space { out.removeLast() }
        if out.first == LatexBytes.space { out.removeFirst() }
        result.bytes = replacingConjunctions(out)
        return result
    }

    /// `5 and 7`, `5 or 7` (often from an unwrapped `\text{}`) list two answers.
    private static func replacingConjunctions(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBufferPointer { text in
            var output: [UInt8] = []
            output.reserveCapacity(text.count)
            var index = 0
            while index < text.count {
                if text[index] == LatexBytes.space {
                    if LatexBytes.matchesIgnoringCase(text, at: index, " and ") {
                        output.append(LatexBytes.comma)
                        index += 5
                        continue
                    }
                    if LatexBytes.matchesIgnoringCase(text, at: index, " or ") {
                        output.append(LatexBytes.comma)
                        index += 4
                        continue
                    }
                }
                output.append(text[index])
                index += 1
            }
            return output
        }
    }

    /// `,\!` before three digits is TeX's thousands separator (`10,\!080`);
    /// any other comma stays, and `\!` with the spaces after it goes.
    private static func rewriteComma(_ input: [UInt8], at index: Int, into out: inout [UInt8]) -> Int {
        var next = index + 1
        var sawThinSpace = false
        while next + 1 < input.count, input[next] == LatexBytes.backslash,
              input[next + 1] == UInt8(ascii: "!") || input[next + 1] == UInt8(ascii: ",") {
            sawThinSpace = true
            next += 2
            while next < input.count, LatexBytes.isSpace(input[next]) { next += 1 }
        }
        if sawThinSpace, let last = out.last, LatexBytes.isDigit(last), isThreeDigitGroup(input, at: next) {
            return next
        }
        out.append(LatexBytes.comma)
        return next
    }

    private static func isThreeDigitGroup(_ bytes: [UInt8], at index: Int) -> Bool {
        guard index + 3 <= bytes.count else { return false }
        for offset in 0..<3 where !LatexBytes.isDigit(bytes[index + offset]) { return false }
        return index + 3 == bytes.count || !LatexBytes.isDigit(bytes[index + 3])
    }

    /// `^\circ`, `^{\circ}`, `^{ \circ }`: a degree sign. Returns where the
    /// superscript ends, past a Celsius or Fahrenheit letter after it.
    private static func degreeSuperscriptEnd(_ input: [UInt8], caret: Int) -> Int? {
        superscriptEnd(input, caret: caret, command: "circ").map { temperatureScaleEnd(input, after: $0) }
    }

    /// After a degree sign: past `C`, `F`, `\text{C}` or `\mathrm{~F}`.
    private static func temperatureScaleEnd(_ input: [UInt8], after end: Int) -> Int {
        var index = end
        while index < input.count, LatexBytes.isSpace(input[index]) { index += 1 }
        if index < input.count, input[index] == LatexBytes.backslash {
            let name = LatexBytes.commandName(input, at: index)
            guard LatexBytes.equal(input, name, "text") || LatexBytes.equal(input, name, "mathrm"),
                  name.upperBound < input.count, input[name.upperBound] == LatexBytes.openBrace,
                  let close = boundedMatchingBrace(input, open: name.upperBound, limit: 8) else { return end }
            let content = input[(name.upperBound + 1)..<(close - 1)].filter { !LatexBytes.isSpace($0) && $0 != UInt8(ascii: "~") }
            return content == [UInt8(ascii: "C")] || content == [UInt8(ascii: "F")] ? close : end
        }
        guard index < input.count, input[index] == UInt8(ascii: "C") || input[index] == UInt8(ascii: "F"),
              index + 1 == input.count || !LatexBytes.isLetter(input[index + 1]) else { return end }
        return index + 1
    }

    private static func primeSuperscriptEnd(_ input: [UInt8], caret: Int) -> Int? {
        superscriptEnd(input, caret: caret, command: "prime")
    }

    private static func superscriptEnd(_ input: [UInt8], caret: Int, command: StaticString) -> Int? {
        var index = caret + 1
        while index < input.count, LatexBytes.isSpace(input[index]) { index += 1 }
        let braced = index < input.count && input[index] == LatexBytes.openBrace
        if braced { index += 1 }
        while index < input.count, LatexBytes.isSpace(input[index]) { index += 1 }
        guard index < input.count, input[index] == LatexBytes.backslash,
              LatexBytes.equal(input, LatexBytes.commandName(input, at: index), command) else { return nil }
        index += 1 + command.utf8CodeUnitCount
        guard braced else { return index }
        while index < input.count, LatexBytes.isSpace(input[index]) { index += 1 }
        guard index < input.count, input[index] == LatexBytes.closeBrace else { return nil }
        return index + 1
    }

    private static func rewriteCommand(
        _ input: [UInt8], at index: Int, into out: inout [UInt8], groups: inout [Group], result: inout NormalizedAnswer
    ) -> Int {
        let count = input.count
        guard index + 1 < count else {
            out.append(LatexBytes.backslash)
            return index + 1
        }
        let symbol = input[index + 1]
        let name = LatexBytes.commandName(input, at: index)
        if name.isEmpty {
            switch symbol {
            case UInt8(ascii: "!"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: ">"), LatexBytes.space:
                // Thin and negative spaces: `1\,000` is one number.
                var next = index + 2
                if symbol == UInt8(ascii: "!") {
                    while next < count, LatexBytes.isSpace(input[next]) { next += 1 }
                }
                return next
            case LatexBytes.dollar:
                return index + 2
            case UInt8(ascii: "%"):
                result.hadPercent = true
                return index + 2
            case LatexBytes.openParen, LatexBytes.closeParen, LatexBytes.openBracket, LatexBytes.closeBracket:
                // Math delimiters `\( \)` and `\[ \]`.
                return index + 2
            default:
                out.append(LatexBytes.backslash)
                out.append(symbol)
                return index + 2
            }
        }
        let word = String(decoding: input[name], as: UTF8.self)
        let end = name.upperBound
        if let rewrite = commandRewrites[word] {
            switch rewrite {
            case .drop:
                return end
            case .space:
                if let last = out.last, last != LatexBytes.space { out.append(LatexBytes.space) }
                return end
            case .sizing:
                // `\left.` and `\right.` are invisible delimiters.
                var next = end
                while next < count, LatexBytes.isSpace(input[next]) { next += 1 }
                return next < count && input[next] == LatexBytes.period ? next + 1 : end
            case .replace(let replacement):
                out.append(contentsOf: replacement.utf8)
                return end
            case .text:
                return rewriteText(input, command: word, after: end, into: &out, groups: &groups)
            }
        }
        out.append(contentsOf: input[index..<end])
        return end
    }

    /// `\text{…}` and its relatives: a unit after a quantity is dropped
    /// (`5\text{ cm}^2` is 5), "and"/"or" become a list comma, and anything
    /// else is unwrapped (`\text{(A)}` is `(A)`).
    private static func rewriteText(
        _ input: [UInt8], command: String, after end: Int, into out: inout [UInt8], groups: inout [Group]
    ) -> Int {
        var open = end
        while open < input.count, LatexBytes.isSpace(input[open]) { open += 1 }
        guard open < input.count, input[open] == LatexBytes.openBrace else { return end }
        if let close = boundedMatchingBrace(input, open: open, limit: 64) {
            let content = LatexBytes.trimmed(input, (open + 1)..<(close - 1))
            if isConjunction(input, content) {
                out.append(LatexBytes.comma)
                return close
            }
            if command == "operatorname", !content.isEmpty, input[content].allSatisfy(LatexBytes.isLetter) {
                out.append(LatexBytes.backslash)
                out.append(contentsOf: input[content])
                return close
            }
            if unitCommands.contains(command), isUnit(input, (open + 1)..<(close - 1)), followsQuantity(out) {
                return unitExponentEnd(input, after: close)
            }
        }
        groups.append(.unwrapped)
        return open + 1
    }

    /// The closing brace's end, if the group closes within `limit` bytes.
    private static func boundedMatchingBrace(_ input: [UInt8], open: Int, limit: Int) -> Int? {
        var depth = 0
        var index = open
        let end = min(input.count, open + limit)
        while index < end {
            switch input[index] {
            case LatexBytes.backslash: index += 1
            case LatexBytes.openBrace: depth += 1
            case LatexBytes.closeBrace:
                depth -= 1
                if depth == 0 { return index + 1 }
            default: break
            }
            index += 1
        }
        return nil
    }

    private static func isConjunction(_ input: [UInt8], _ content: Range<Int>) -> Bool {
        let lowered = input[content].map(LatexBytes.lowercased)
        return lowered == Array("and".utf8) || lowered == Array("or".utf8)
    }

    /// The commands that set units; bold and blackboard letters are symbols.
    private static let unitCommands: Set<String> = ["text", "textrm", "textnormal", "textup", "mathrm", "mbox", "hbox"]

    /// Words, optionally with `/`, `.`, spaces or an exponent: "cm",
    /// " square units", "m/s", "~m". A single letter counts only after a
    /// space (`\mathrm{~m}`), so `2\mathrm{e}` keeps its e.
    private static func isUnit(_ input: [UInt8], _ content: Range<Int>) -> Bool {
        var letters = 0
        var index = content.lowerBound
        let spaced = index < content.upperBound && (LatexBytes.isSpace(input[index]) || input[index] == UInt8(ascii: "~"))
        while index < content.upperBound {
            let byte = input[index]
            if LatexBytes.isLetter(byte) {
                letters += 1
            } else if byte == LatexBytes.backslash, index + 1 < content.upperBound,
                      input[index + 1] == LatexBytes.space || input[index + 1] == UInt8(ascii: ",") {
                index += 1
            } else if !(LatexBytes.isSpace(byte) || byte == UInt8(ascii: "~") || byte == LatexBytes.slash
                        || byte == LatexBytes.period || byte == LatexBytes.caret || LatexBytes.isDigit(byte)) {
                return false
            }
            index += 1
        }
        return letters > 1 || (letters == 1 && spaced)
    }

    /// Whether the output so far ends with something a unit can follow: not
    /// empty and not an operator, opening bracket or subscript.
    private static func followsQuantity(_ out: [UInt8]) -> Bool {
        guard let last = out.last(where: { $0 != LatexBytes.space }) else { return false }
        switch last {
        case LatexBytes.openParen, LatexBytes.openBracket, LatexBytes.openBrace, LatexBytes.comma, LatexBytes.equals,
             LatexBytes.plus, LatexBytes.minus, LatexBytes.star, LatexBytes.slash, LatexBytes.caret,
             LatexBytes.underscore, LatexBytes.ampersand, LatexBytes.bar, LatexBytes.backslash:
            return false
        default:
            return true
        }
    }

    /// After a dropped unit, also drop its exponent (`\text{cm}^2`).
    private static func unitExponentEnd(_ input: [UInt8], after close: Int) -> Int {
        var index = close
        while index < input.count, LatexBytes.isSpace(input[index]) { index += 1 }
        guard index < input.count, input[index] == LatexBytes.caret else { return close }
        index += 1
        if index < input.count, LatexBytes.isDigit(input[index]) { return index + 1 }
        if index < input.count, input[index] == LatexBytes.openBrace,
           let end = boundedMatchingBrace(input, open: index, limit: 8) {
            return end
        }
        return close
    }

    private static func rewriteUnicode(_ input: [UInt8], at index: Int, into out: inout [UInt8]) -> Int {
        for (pattern, replacement) in unicodeRewrites
        where index + pattern.count <= input.count && input[index..<(index + pattern.count)].elementsEqual(pattern) {
            out.append(contentsOf: replacement)
            return pattern == degreeSign ? temperatureScaleEnd(input, after: index + pattern.count) : index + pattern.count
        }
        out.append(input[index])
        return index + 1
    }

    private enum CommandRewrite {
        case drop
        case space
        /// `\left`, `\right` and the like; a following `.` goes too.
        case sizing
        case replace(String)
        case text
    }

    private static let commandRewrites: [String: CommandRewrite] = {
        var table: [String: CommandRewrite] = [:]
        for word in ["left", "right", "bigl", "bigr", "Bigl", "Bigr", "big", "Big", "bigg", "Bigg",
                     "biggl", "biggr", "Biggl", "Biggr", "middle"] {
            table[word] = .sizing
        }
        for word in ["displaystyle", "textstyle", "scriptstyle", "limits", "nolimits", "degree", "circ",
                     "strut", "hfill", "negthinspace", "thinspace", "medspace", "thickspace", "enspace"] {
            table[word] = .drop
        }
        for word in ["quad", "qquad"] { table[word] = .space }
        for word in ["text", "textrm", "textnormal", "textup", "textbf", "textit", "textsf", "texttt", "emph",
                     "mathrm", "mathbf", "mathit", "mathsf", "mathtt", "mathnormal", "mathbb", "mathcal",
                     "mbox", "hbox", "boldsymbol", "bm", "operatorname", "boxed", "fbox"] {
            table[word] = .text
        }
        let replacements: [String: String] = [
            "dfrac": "\\frac", "tfrac": "\\frac", "cfrac": "\\frac", "dbinom": "\\binom", "tbinom": "\\binom",
            "lbrace": "\\{", "rbrace": "\\}", "lbrack": "[", "rbrack": "]",
            "lvert": "|", "rvert": "|", "vert": "|", "langle": "(", "rangle": ")",
            "cdotp": "\\cdot", "centerdot": "\\cdot", "colon": ":",
            "geqslant": "\\geq", "leqslant": "\\leq", "ge": "\\geq", "le": "\\leq", "ne": "\\neq",
        ]
        for (word, replacement) in replacements { table[word] = .replace(replacement) }
        return table
    }()

    private static let degreeSign = Array("\u{00B0}".utf8)

    /// Unicode a model may print instead of the LaTeX command.
    private static let unicodeRewrites: [([UInt8], [UInt8])] = [
        ("\u{00B0}", ""), ("\u{2103}", ""), ("\u{00A0}", " "), ("\u{2009}", ""), ("\u{202F}", ""),
        ("\u{2212}", "-"), ("\u{2013}", "-"), ("\u{00D7}", "\\times "), ("\u{00B7}", "\\cdot "),
        ("\u{03C0}", "\\pi "), ("\u{221E}", "\\infty "), ("\u{221A}", "\\sqrt"), ("\u{00B1}", "\\pm "),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }

    /// `1,000` and `32,348`: a run of 1–3 digits then groups of exactly three
    /// after commas with no space, outside brackets (where commas separate
    /// coordinates). Returns whether any comma was removed.
    @discardableResult
    static func removePlainThousandsSeparators(_ bytes: inout [UInt8]) -> Bool {
        var removals: [Int] = []
        var depth = 0
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            switch byte {
            case LatexBytes.openParen, LatexBytes.openBracket:
                depth += 1
            case LatexBytes.closeParen, LatexBytes.closeBracket:
                depth -= 1
            case LatexBytes.backslash:
                if index + 1 < count, bytes[index + 1] == LatexBytes.openBrace { depth += 1 }
                if index + 1 < count, bytes[index + 1] == LatexBytes.closeBrace { depth -= 1 }
                index += 2
                continue
            default:
                break
            }
            guard LatexBytes.isDigit(byte), depth == 0,
                  index == 0 || !(LatexBytes.isDigit(bytes[index - 1]) || bytes[index - 1] == LatexBytes.period
                                  || LatexBytes.isLetter(bytes[index - 1])) else {
                index += 1
                continue
            }
            var end = index
            while end < count, LatexBytes.isDigit(bytes[end]) { end += 1 }
            var commas: [Int] = []
            if end - index <= 3 {
                while end < count, bytes[end] == LatexBytes.comma, isThreeDigitGroup(bytes, at: end + 1) {
                    commas.append(end)
                    end += 4
                }
            }
            removals.append(contentsOf: commas)
            index = end
        }
        guard !removals.isEmpty else { return false }
        var kept: [UInt8] = []
        kept.reserveCapacity(count - removals.count)
        var next = 0
        for (position, byte) in bytes.enumerated() {
            if next < removals.count, removals[next] == position {
                next += 1
            } else {
                kept.append(byte)
            }
        }
        bytes = kept
        return true
    }
}
