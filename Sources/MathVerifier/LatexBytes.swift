/// Byte-level helpers shared by the verifier's stages. The verifier works on
/// UTF-8 bytes throughout: LaTeX's syntax is ASCII, and byte scans avoid
/// `String` index walking and Foundation bridging in the hot path.
enum LatexBytes {
    static let backslash = UInt8(ascii: "\\")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openParen = UInt8(ascii: "(")
    static let closeParen = UInt8(ascii: ")")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let dollar = UInt8(ascii: "$")
    static let comma = UInt8(ascii: ",")
    static let period = UInt8(ascii: ".")
    static let space = UInt8(ascii: " ")
    static let newline = UInt8(ascii: "\n")
    static let caret = UInt8(ascii: "^")
    static let underscore = UInt8(ascii: "_")
    static let equals = UInt8(ascii: "=")
    static let minus = UInt8(ascii: "-")
    static let plus = UInt8(ascii: "+")
    static let slash = UInt8(ascii: "/")
    static let star = UInt8(ascii: "*")
    static let ampersand = UInt8(ascii: "&")
    static let bar = UInt8(ascii: "|")

    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte &- 48 < 10 }

    @inline(__always) static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) &- 97 < 26 }

    @inline(__always) static func isSpace(_ byte: UInt8) -> Bool {
        byte == 32 || byte == 10 || byte == 9 || byte == 13 || byte == 12 || byte == 11
    }

    @inline(__always) static func lowercased(_ byte: UInt8) -> UInt8 { isLetter(byte) ? byte | 0x20 : byte }

    /// `bytes[range]` without leading and trailing whitespace.
    static func trimmed<C: RandomAccessCollection<UInt8>>(_ bytes: C, _ range: Range<C.Index>) -> Range<C.Index> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, isSpace(bytes[lower]) { lower = bytes.index(after: lower) }
        while upper > lower, isSpace(bytes[bytes.index(before: upper)]) { upper = bytes.index(before: upper) }
        return lower..<upper
    }

    /// Whether `bytes` at `index` spells `word` (ASCII, exact case).
    @inline(__always)
    static func matches(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, _ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index >= 0, index + count <= bytes.count else { return false }
        let pointer = word.utf8Start
        for offset in 0..<count where bytes[index + offset] != pointer[offset] { return false }
        return true
    }

    /// Whether `bytes` at `index` spells `word` (lowercase ASCII) in any case.
    static func matchesIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, _ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index >= 0, index + count <= bytes.count else { return false }
        let pointer = word.utf8Start
        for offset in 0..<count where lowercased(bytes[index + offset]) != pointer[offset] { return false }
        return true
    }

    /// Whether `bytes` at `index` spells `word` (ASCII, exact case).
    @inline(__always)
    static func matches(_ bytes: [UInt8], at index: Int, _ word: StaticString) -> Bool {
        bytes.withUnsafeBufferPointer { matches($0, at: index, word) }
    }

    /// The index just past the `}` that closes the `{` at `open`, or nil when
    /// the group never closes. `\{` and `\}` are literal braces and do not count.
    static func matchingBrace(_ bytes: UnsafeBufferPointer<UInt8>, open: Int) -> Int? {
        var depth = 0
        var index = open
        let end = bytes.count
        while index < end {
            let byte = bytes[index]
            if byte == backslash {
                index += 2
                continue
            }
            if byte == openBrace {
                depth += 1
            } else if byte == closeBrace {
                depth -= 1
                if depth == 0 { return index + 1 }
            }
            index += 1
        }
        return nil
    }

    /// The index just past the `}` that closes the `{` at `open`, or nil.
    static func matchingBrace(_ bytes: [UInt8], open: Int) -> Int? {
        bytes.withUnsafeBufferPointer { matchingBrace($0, open: open) }
    }

    /// The name of the control word starting at `index` (which holds `\`):
    /// the range of its letters, empty for a control symbol such as `\{`.
    @inline(__always)
    static func commandName(_ bytes: [UInt8], at index: Int) -> Range<Int> {
        var end = index + 1
        while end < bytes.count, isLetter(bytes[end]) { end += 1 }
        return (index + 1)..<end
    }

    static func equal(_ bytes: [UInt8], _ range: Range<Int>, _ word: StaticString) -> Bool {
        range.count == word.utf8CodeUnitCount && matches(bytes, at: range.lowerBound, word)
    }
}
