/// Finds the final answer a response commits to.
///
/// Order: the last top-level `\boxed{…}` / `\fbox{…}`; only when the response
/// has no box at all, the last "… answer is X" / "Answer: X" / `#### X`.
/// The working is never searched for a number: a response that stops before
/// committing to an answer has none, even if the gold appears in it.
enum AnswerExtraction {
    /// The committed final answer, cleaned (see `clean`), or nil when the
    /// response commits to none. An empty box yields an empty array.
    static func finalAnswer(in response: String) -> [UInt8]? {
        var response = response
        return response.withUTF8 { finalAnswer(in: $0) }
    }

    static func finalAnswer(in text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        switch lastBox(in: text) {
        case .content(let range): return clean(text, range)
        case .unclosed: return nil
        case .none: break
        }
        guard let range = fallbackAnswer(in: text) else { return nil }
        let answer = clean(text, range)
        return answer.isEmpty ? nil : answer
    }

    enum BoxScan: Equatable {
        case content(Range<Int>)
        /// The last box never closes: the response was cut off mid-answer.
        case unclosed
        case none
    }

    /// One forward pass: each top-level box is matched and skipped whole, so
    /// boxes nested inside it never count and the scan stays linear.
    static func lastBox(in text: UnsafeBufferPointer<UInt8>) -> BoxScan {
        let count = text.count
        var result = BoxScan.none
        var index = 0
        while index < count {
            guard text[index] == LatexBytes.backslash else {
                index += 1
                continue
            }
            let nameEnd: Int
            if LatexBytes.matches(text, at: index + 1, "boxed") {
                nameEnd = index + 6
            } else if LatexBytes.matches(text, at: index + 1, "fbox") {
                nameEnd = index + 5
            } else {
                // A control symbol such as `\\` is two bytes: in `\\boxed`,
                // TeX reads a line break and the word "boxed", not a box.
                index += 2
                continue
            }
            if nameEnd < count, LatexBytes.isLetter(text[nameEnd]) {
                index = nameEnd
                continue
            }
            var start = nameEnd
            while start < count, text[start] == LatexBytes.space || text[start] == 9 { start += 1 }
            if start < count, text[start] == LatexBytes.openBrace {
                guard let close = LatexBytes.matchingBrace(text, open: start) else { return .unclosed }
                result = .content((start + 1)..<(close - 1))
                index = close
            } else if start > nameEnd, start < count {
                // `\boxed 5`: TeX boxes one token, but models mean the rest of
                // the formula.
                let end = endOfInlineMath(text, from: start)
                result = .content(start..<end)
                index = end
            } else {
                index = nameEnd
            }
        }
        return result
    }

    /// Where a run of inline math that started at `start` ends: at `$`, a
    /// newline, `\]` or `\)`.
    private static func endOfInlineMath(_ text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var end = start
        while end < text.count {
            let byte = text[end]
            if byte == LatexBytes.dollar || byte == LatexBytes.newline { break }
            if byte == LatexBytes.backslash, end + 1 < text.count,
               text[end + 1] == LatexBytes.closeBracket || text[end + 1] == LatexBytes.closeParen {
                break
            }
            end += 1
        }
        return end
    }

    /// The text after the last answer phrase ("answer is", "answer:") or
    /// GSM8K's `####`, whichever comes last.
    static func fallbackAnswer(in text: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        var index = text.count - 4
        while index >= 0 {
            let byte = text[index]
            if byte == UInt8(ascii: "#"), LatexBytes.matches(text, at: index, "####") {
                // A longer run of `#` is one marker too.
                var start = index + 4
                while start < text.count, text[start] == UInt8(ascii: "#") { start += 1 }
                return answerText(text, from: start)
            }
            if byte | 0x20 == UInt8(ascii: "a"), let start = answerPhraseEnd(text, at: index) {
                return answerText(text, from: start)
            }
            index -= 1
        }
        return nil
    }

    /// If `text[index...]` reads "answer" followed by `:` or the word "is"
    /// (markdown `**` allowed between), or is a "Final Answer" heading,
    /// where the answer text starts.
    private static func answerPhraseEnd(_ text: UnsafeBufferPointer<UInt8>, at index: Int) -> Int? {
        guard LatexBytes.matchesIgnoringCase(text, at: index, "answer") else { return nil }
        if index > 0, LatexBytes.isLetter(text[index - 1]) { return nil }
        var cursor = index + 6
        if cursor < text.count, LatexBytes.isLetter(text[cursor]) { return nil }
        func skipDecoration() {
            while cursor < text.count,
                  text[cursor] == LatexBytes.space || text[cursor] == LatexBytes.star || text[cursor] == 9 {
                cursor += 1
            }
        }
        skipDecoration()
        guard cursor < text.count else { return nil }
        if text[cursor] == UInt8(ascii: ":") { return cursor + 1 }
        // A "**Final Answer**" heading with the answer on the next lines.
        if text[cursor] == LatexBytes.newline || text[cursor] == 13, LatexBytes.matchesIgnoringCase(text, at: index - 6, "final ") {
            return cursor
        }
        if cursor + 2 <= text.count, text[cursor] | 0x20 == UInt8(ascii: "i"), text[cursor + 1] | 0x20 == UInt8(ascii: "s"),
           cursor + 2 == text.count || !LatexBytes.isLetter(text[cursor + 2]) {
            cursor += 2
            skipDecoration()
            if cursor < text.count, text[cursor] == UInt8(ascii: ":") { cursor += 1 }
            return cursor
        }
        return nil
    }

    /// The answer that starts near `start`: a delimited math span (`$…$`,
    /// `$$…$$`, `\(…\)`, `\[…\]`) if one opens there, else the rest of the
    /// sentence. An unclosed math span means the response was cut off.
    private static func answerText(_ text: UnsafeBufferPointer<UInt8>, from start: Int) -> Range<Int>? {
        var cursor = start
        while cursor < text.count, LatexBytes.isSpace(text[cursor]) || text[cursor] == LatexBytes.star { cursor += 1 }
        guard cursor < text.count else { return nil }
        if text[cursor] == LatexBytes.dollar {
            let isDisplay = cursor + 1 < text.count && text[cursor + 1] == LatexBytes.dollar
            let open = cursor + (isDisplay ? 2 : 1)
            var close = open
            while close < text.count, text[close] != LatexBytes.dollar || (close > open && text[close - 1] == LatexBytes.backslash) {
                close += 1
            }
            return close < text.count ? open..<close : nil
        }
        if text[cursor] == LatexBytes.backslash, cursor + 1 < text.count,
           text[cursor + 1] == LatexBytes.openParen || text[cursor + 1] == LatexBytes.openBracket {
            let closer = text[cursor + 1] == LatexBytes.openParen ? LatexBytes.closeParen : LatexBytes.closeBracket
            var close = cursor + 2
            while close + 1 < text.count, !(text[close] == LatexBytes.backslash && text[close + 1] == closer) { close += 1 }
            return close + 1 < text.count ? (cursor + 2)..<close : nil
        }
        var end = cursor
        while end < text.count {
            let byte = text[end]
            if byte == LatexBytes.newline { break }
            // A period ends the sentence unless it is a decimal point.
            if byte == LatexBytes.period, end + 1 == text.count || LatexBytes.isSpace(text[end + 1]) { break }
            end += 1
        }
        return cursor..<end
    }

    /// Trimmed, without `$` (an escaped `\$` is a dollar sign and stays),
    /// without markdown bold and without a trailing period.
    static func clean(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(range.count)
        var index = range.lowerBound
        while index < range.upperBound {
            let byte = text[index]
            if byte == LatexBytes.backslash, index + 1 < range.upperBound {
                bytes.append(byte)
                bytes.append(text[index + 1])
                index += 2
                continue
            }
            if byte != LatexBytes.dollar { bytes.append(byte) }
            index += 1
        }
        var lower = 0
        var upper = bytes.count
        while true {
            let before = (lower, upper)
            while lower < upper, LatexBytes.isSpace(bytes[lower]) { lower += 1 }
            while upper > lower, LatexBytes.isSpace(bytes[upper - 1]) { upper -= 1 }
            // Markdown emphasis around the answer.
            while lower < upper, bytes[lower] == LatexBytes.star { lower += 1 }
            while upper > lower, bytes[upper - 1] == LatexBytes.star { upper -= 1 }
            // A final `.` ends the sentence; `\.` is not a period.
            if upper > lower, bytes[upper - 1] == LatexBytes.period,
               upper - lower < 2 || bytes[upper - 2] != LatexBytes.backslash {
                upper -= 1
            }
            if before == (lower, upper) { break }
        }
        return Array(bytes[lower..<upper])
    }
}
