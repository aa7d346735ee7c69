import Foundation

/// Parses one normalised LaTeX expression (no commas, `=` or set braces at
/// the top: `AnswerShape` has split those off) into a `MathExpression`.
///
/// Recursive descent over the bytes, lexing on demand so that `\frac12` can
/// read its arguments one character at a time as TeX does. Every recursive
/// entry counts towards `maximumDepth`, so hostile nesting fails the parse
/// (and the caller falls back to string equality) instead of overflowing the
/// stack.
struct MathExpressionParser {
    /// Each bracket or fraction level costs about three; real answers nest a
    /// handful of levels. This bounds the stack use (tested on a 512 KiB
    /// thread stack, a secondary thread's default on macOS).
    static let maximumDepth = 150
    /// Longer answers are compared as strings only.
    static let maximumLength = 4096

    static func parse(_ text: ArraySlice<UInt8>) -> MathExpression? {
        guard !text.isEmpty, text.count <= maximumLength else { return nil }
        var parser = MathExpressionParser(bytes: Array(text))
        guard let root = parser.parseExpression(), parser.peek() == .end else { return nil }
        parser.expression.root = root
        return parser.expression
    }

    enum Token: Equatable, Sendable {
        case end
        case number(Double, isInteger: Bool)
        case variable(UInt64)
        case constant(Double)
        case infinity
        case function(MathExpression.Function)
        case log
        case frac, sqrt, binom
        case times, divide, plus, minus
        case caret, underscore, bang
        case open(UInt8), close(UInt8)
        case bar
        case floorOpen, floorClose, ceilOpen, ceilClose
        /// Anything the grammar has no place for; parsing fails on it.
        case unknown
    }

    private let bytes: [UInt8]
    private var cursor = 0
    private var lookahead: (token: Token, start: Int, end: Int)?
    private var depth = 0
    private var absoluteDepth = 0
    private var expression = MathExpression()

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    // MARK: Grammar

    /// expression := term (('+' | '-') term)*
    private mutating func parseExpression() -> Int32? {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth, let first = parseTerm() else { return nil }
        var terms = [first]
        while true {
            switch peek() {
            case .plus:
                advance()
                guard let term = parseTerm() else { return nil }
                terms.append(term)
            case .minus:
                advance()
                guard let term = parseTerm() else { return nil }
                terms.append(expression.append(.negate(term)))
            default:
                return expression.appendList(terms, product: false)
            }
        }
    }

    /// term := factor (('*' | '/' | juxtaposition) factor)*
    private mutating func parseTerm() -> Int32? {
        guard let first = parseFactor() else { return nil }
        var factors = [first]
        while true {
            let token = peek()
            switch token {
            case .times:
                advance()
                guard let factor = parseFactor() else { return nil }
                factors.append(factor)
            case .divide:
                advance()
                guard let factor = parseFactor() else { return nil }
                factors.append(expression.append(.reciprocal(factor)))
            default:
                guard startsOperand(token, functions: true) else { return expression.appendList(factors, product: true) }
                // `2 3` is no product: TeX prints it as 23.
                if case .number = token, let last = factors.last, case .number = expression.nodes[Int(last)] { return nil }
                guard let factor = parsePower() else { return nil }
                factors.append(factor)
            }
        }
    }

    /// factor := ('-' | '+') factor | power
    private mutating func parseFactor() -> Int32? {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else { return nil }
        switch peek() {
        case .minus:
            advance()
            return parseFactor().map { expression.append(.negate($0)) }
        case .plus:
            advance()
            return parseFactor()
        default:
            return parsePower()
        }
    }

    /// power := postfix ('^' exponent)*
    private mutating func parsePower() -> Int32? {
        guard var base = parsePostfix() else { return nil }
        // Each `^` in a chain nests the tree one level deeper.
        let outerDepth = depth
        defer { depth = outerDepth }
        while peek() == .caret {
            depth += 1
            guard depth <= Self.maximumDepth else { return nil }
            advance()
            guard let exponent = parseExponent() else { return nil }
            base = expression.append(.power(base: base, exponent: exponent))
            // `2^{3}!` reads as (2^3)!.
            while peek() == .bang {
                depth += 1
                guard depth <= Self.maximumDepth else { return nil }
                advance()
                base = expression.append(.function(.factorial, base))
            }
        }
        return base
    }

    /// postfix := primary '!'*
    private mutating func parsePostfix() -> Int32? {
        guard var value = parsePrimary() else { return nil }
        let outerDepth = depth
        defer { depth = outerDepth }
        while peek() == .bang {
            depth += 1
            guard depth <= Self.maximumDepth else { return nil }
            advance()
            value = expression.append(.function(.factorial, value))
        }
        return value
    }

    /// A superscript: a braced group, or (as models write it) a signed number
    /// or a single symbol.
    private mutating func parseExponent() -> Int32? {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else { return nil }
        switch peek() {
        case .open(LatexBytes.openBrace):
            advance()
            guard let inner = parseExpression(), expectClose(LatexBytes.closeBrace) else { return nil }
            return inner
        case .minus:
            advance()
            return parseExponent().map { expression.append(.negate($0)) }
        case .plus:
            advance()
            return parseExponent()
        case .number(let value, _):
            advance()
            return expression.append(.number(value))
        case .variable(let name):
            advance()
            return expression.append(.variable(name))
        case .constant(let value):
            advance()
            return expression.append(.number(value))
        default:
            return parsePrimary()
        }
    }

    private mutating func parsePrimary() -> Int32? {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else { return nil }
        guard let (token, _, end) = peekEntry() else { return nil }
        switch token {
        case .number(let value, let isInteger):
            advance()
            let literal = expression.append(.number(value))
            if isInteger, peek() == .frac, let mixed = mixedNumber(whole: value) {
                expression.nodes[Int(literal)] = .number(mixed)
            }
            // `52_8`: a base subscript names the notation, not the value.
            if peek() == .underscore {
                advance()
                skipArgument()
            }
            return literal
        case .variable(let name):
            advance()
            if let applied = appliedArgument(after: end) {
                guard let argument = applied else { return nil }
                return expression.append(.applied(name, argument))
            }
            return expression.append(.variable(name))
        case .constant(let value):
            advance()
            return expression.append(.number(value))
        case .infinity:
            advance()
            return expression.append(.infinity)
        case .open(let open):
            advance()
            let close = open == LatexBytes.openParen ? LatexBytes.closeParen
                : open == LatexBytes.openBracket ? LatexBytes.closeBracket : LatexBytes.closeBrace
            guard let inner = parseExpression(), expectClose(close) else { return nil }
            return inner
        case .bar:
            advance()
            absoluteDepth += 1
            defer { absoluteDepth -= 1 }
            guard let inner = parseExpression(), peek() == .bar else { return nil }
            advance()
            return expression.append(.function(.abs, inner))
        case .floorOpen, .ceilOpen:
            advance()
            guard let inner = parseExpression(), peek() == (token == .floorOpen ? .floorClose : .ceilClose) else { return nil }
            advance()
            return expression.append(.function(token == .floorOpen ? .floor : .ceil, inner))
        case .frac:
            advance()
            guard let numerator = parseArgument(), let denominator = parseArgument() else { return nil }
            return expression.appendList([numerator, expression.append(.reciprocal(denominator))], product: true)
        case .binom:
            advance()
            guard let top = parseArgument(), let bottom = parseArgument() else { return nil }
            return expression.append(.binomial(top, bottom))
        case .sqrt:
            advance()
            if peek() == .open(LatexBytes.openBracket) {
                advance()
                guard let index = parseExpression(), expectClose(LatexBytes.closeBracket),
                      let radicand = parseArgument() else { return nil }
                return expression.append(.root(index: index, radicand: radicand))
            }
            return parseArgument().map { expression.append(.function(.sqrt, $0)) }
        case .function(let function):
            advance()
            return parseFunction(function)
        case .log:
            advance()
            var base: Int32?
            if peek() == .underscore {
                advance()
                guard let parsed = parseArgument() else { return nil }
                base = parsed
            }
            // Without a base, `\log` is the common logarithm, as in contest
            // problems (and math-verify); `\ln` is the natural one.
            let logBase = base ?? expression.append(.number(10))
            return parseApplication { parser, argument in
                parser.expression.append(.logarithm(base: logBase, argument: argument))
            }
        default:
            return nil
        }
    }

    /// `\sin x`, `\sin^2 x`, `\sin^{-1} x`, `\cos(2t)`.
    private mutating func parseFunction(_ function: MathExpression.Function) -> Int32? {
        parseApplication { parser, argument in parser.expression.append(.function(function, argument)) }
    }

    /// An optional power after a function name, then its argument: a group,
    /// or the run of juxtaposed factors up to the next operator or function
    /// (`\sin 2x` is sin(2x); `\sin x \cos x` is sin(x)·cos(x)).
    private mutating func parseApplication(_ apply: (inout MathExpressionParser, Int32) -> Int32) -> Int32? {
        var exponent: Int32?
        if peek() == .caret {
            advance()
            guard let parsed = parseExponent() else { return nil }
            exponent = parsed
        }
        let argument: Int32
        switch peek() {
        case .open:
            guard let group = parsePostfix() else { return nil }
            argument = group
        default:
            guard let first = parseFactor() else { return nil }
            var factors = [first]
            while startsOperand(peek(), functions: false) {
                guard let factor = parsePower() else { return nil }
                factors.append(factor)
            }
            argument = expression.appendList(factors, product: true)
        }
        var applied = apply(&self, argument)
        if let exponent {
            // `\sin^{-1}` is the inverse function, not a reciprocal.
            if isMinusOne(exponent), case .function(let function, let inner) = expression.nodes[Int(applied)],
               let inverse = function.inverse {
                expression.nodes[Int(applied)] = .function(inverse, inner)
            } else {
                applied = expression.append(.power(base: applied, exponent: exponent))
            }
        }
        return applied
    }

    private func isMinusOne(_ index: Int32) -> Bool {
        switch expression.nodes[Int(index)] {
        case .number(let value): return value == -1
        case .negate(let inner): return expression.nodes[Int(inner)] == .number(1)
        default: return false
        }
    }

    /// After a whole number, `\frac{a}{b}` with integer literals makes a mixed
    /// number (`2\frac{1}{2}` = 2.5); otherwise nothing is consumed.
    private mutating func mixedNumber(whole: Double) -> Double? {
        let saved = (cursor, lookahead, expression.nodes.count, expression.operands.count, absoluteDepth)
        advance()
        if let top = parseArgument(), let bottom = parseArgument(),
           case .number(let numerator) = expression.nodes[Int(top)],
           case .number(let denominator) = expression.nodes[Int(bottom)],
           numerator.rounded() == numerator, denominator.rounded() == denominator, denominator > 0 {
            expression.nodes.removeSubrange(saved.2...)
            expression.operands.removeSubrange(saved.3...)
            return whole + numerator / denominator
        }
        (cursor, lookahead, absoluteDepth) = (saved.0, saved.1, saved.4)
        expression.nodes.removeSubrange(saved.2...)
        expression.operands.removeSubrange(saved.3...)
        return nil
    }

    /// A TeX macro argument: a braced group, or a single character or
    /// control word (`\frac12`, `\sqrt2`, `\frac\pi2`).
    private mutating func parseArgument() -> Int32? {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else { return nil }
        var index = cursor
        while index < bytes.count, LatexBytes.isSpace(bytes[index]) { index += 1 }
        guard index < bytes.count else { return nil }
        let byte = bytes[index]
        if LatexBytes.isDigit(byte) {
            lookahead = nil
            cursor = index + 1
            return expression.append(.number(Double(byte - 48)))
        }
        if LatexBytes.isLetter(byte) {
            lookahead = nil
            cursor = index + 1
            if byte == UInt8(ascii: "e") { return expression.append(.number(M_E)) }
            return expression.append(.variable(MathExpression.nameHash(CollectionOfOne(byte))))
        }
        if byte == LatexBytes.openBrace {
            cursor = index + 1
            lookahead = nil
            guard let inner = parseExpression(), expectClose(LatexBytes.closeBrace) else { return nil }
            return inner
        }
        return parsePrimary()
    }

    /// Skips a subscript argument without parsing it.
    private mutating func skipArgument() {
        var index = cursor
        while index < bytes.count, LatexBytes.isSpace(bytes[index]) { index += 1 }
        guard index < bytes.count else { return }
        if bytes[index] == LatexBytes.openBrace {
            cursor = LatexBytes.matchingBrace(bytes, open: index) ?? bytes.count
        } else if bytes[index] == LatexBytes.backslash {
            cursor = LatexBytes.commandName(bytes, at: index).upperBound
        } else {
            cursor = index + 1
        }
        lookahead = nil
    }

    /// For a name followed directly by `(x)` or `(0)`: the parsed argument of
    /// an opaque function application (`f(x)`, `I(0)`). Longer contents, as in
    /// `x(x+1)`, are products. nil when the name is not applied; `.some(nil)`
    /// when it is but the argument fails to parse.
    private mutating func appliedArgument(after end: Int) -> Int32?? {
        guard end < bytes.count, bytes[end] == LatexBytes.openParen else { return nil }
        var index = end + 1
        let first = index
        while index < bytes.count, index - first <= 8,
              LatexBytes.isDigit(bytes[index]) || bytes[index] == LatexBytes.period {
            index += 1
        }
        if index == first, index < bytes.count, LatexBytes.isLetter(bytes[index]) { index += 1 }
        guard index > first, index < bytes.count, bytes[index] == LatexBytes.closeParen else { return nil }
        advance()
        guard let inner = parseExpression(), expectClose(LatexBytes.closeParen) else { return .some(nil) }
        return .some(inner)
    }

    private func startsOperand(_ token: Token, functions: Bool) -> Bool {
        switch token {
        case .number, .variable, .constant, .infinity, .frac, .sqrt, .binom, .floorOpen, .ceilOpen: return true
        case .open: return true
        case .bar: return absoluteDepth == 0
        case .function, .log: return functions
        default: return false
        }
    }

    private mutating func expectClose(_ close: UInt8) -> Bool {
        guard peek() == .close(close) else { return false }
        advance()
        return true
    }

    // MARK: Lexer

    private mutating func peek() -> Token {
        peekEntry()?.token ?? .end
    }

    private mutating func peekEntry() -> (token: Token, start: Int, end: Int)? {
        if let lookahead, lookahead.start == cursor { return lookahead }
        let entry = lex(at: cursor)
        lookahead = entry
        return entry
    }

    private mutating func advance() {
        if let entry = peekEntry() { cursor = entry.end }
        lookahead = nil
    }

    private func lex(at start: Int) -> (token: Token, start: Int, end: Int) {
        var index = start
        while index < bytes.count, LatexBytes.isSpace(bytes[index]) { index += 1 }
        guard index < bytes.count else { return (.end, start, index) }
        let byte = bytes[index]
        if LatexBytes.isDigit(byte) || (byte == LatexBytes.period && index + 1 < bytes.count && LatexBytes.isDigit(bytes[index + 1])) {
            return lexNumber(from: index, start: start)
        }
        if LatexBytes.isLetter(byte) {
            // `sqrt(13)`, `sin(x)`: function names typed without a backslash.
            var wordEnd = index + 1
            while wordEnd < bytes.count, LatexBytes.isLetter(bytes[wordEnd]) { wordEnd += 1 }
            if wordEnd - index > 1, wordEnd < bytes.count, bytes[wordEnd] == LatexBytes.openParen,
               let token = Self.plainFunctions[String(decoding: bytes[index..<wordEnd], as: UTF8.self)] {
                return (token, start, wordEnd)
            }
            let end = identifierEnd(from: index, nameEnd: index + 1)
            if byte == UInt8(ascii: "e"), end == index + 1 { return (.constant(M_E), start, end) }
            return (.variable(identifierHash(bytes[index..<end])), start, end)
        }
        let single: Token
        switch byte {
        case LatexBytes.backslash: return lexCommand(from: index, start: start)
        case LatexBytes.plus: single = .plus
        case LatexBytes.minus: single = .minus
        case LatexBytes.star: single = .times
        case LatexBytes.slash: single = .divide
        case LatexBytes.caret: single = .caret
        case LatexBytes.underscore: single = .underscore
        case UInt8(ascii: "!"): single = .bang
        case LatexBytes.openParen, LatexBytes.openBracket, LatexBytes.openBrace: single = .open(byte)
        case LatexBytes.closeParen, LatexBytes.closeBracket, LatexBytes.closeBrace: single = .close(byte)
        case LatexBytes.bar: single = .bar
        default: single = .unknown
        }
        return (single, start, index + 1)
    }

    /// Digits, an optional fraction, and an exponent only when a digit follows
    /// `e`/`E` directly (after an optional sign): `7.4e-12` is one number,
    /// while `2e` and `3e^{2}` use Euler's e.
    private func lexNumber(from index: Int, start: Int) -> (token: Token, start: Int, end: Int) {
        var end = index
        while end < bytes.count, LatexBytes.isDigit(bytes[end]) { end += 1 }
        // `1 000 000`: three-digit groups after single spaces continue the
        // number (TeX ignores the spaces too).
        if end - index <= 3 {
            while end + 4 <= bytes.count, bytes[end] == LatexBytes.space,
                  (1...3).allSatisfy({ LatexBytes.isDigit(bytes[end + $0]) }),
                  end + 4 == bytes.count || !LatexBytes.isDigit(bytes[end + 4]) {
                end += 4
            }
        }
        var isInteger = true
        if end < bytes.count, bytes[end] == LatexBytes.period {
            isInteger = false
            end += 1
            while end < bytes.count, LatexBytes.isDigit(bytes[end]) { end += 1 }
        }
        if end < bytes.count, bytes[end] | 0x20 == UInt8(ascii: "e") {
            var digits = end + 1
            if digits < bytes.count, bytes[digits] == LatexBytes.plus || bytes[digits] == LatexBytes.minus { digits += 1 }
            if digits < bytes.count, LatexBytes.isDigit(bytes[digits]) {
                isInteger = false
                end = digits
                while end < bytes.count, LatexBytes.isDigit(bytes[end]) { end += 1 }
            }
        }
        var text = String(decoding: bytes[index..<end].lazy.filter { $0 != LatexBytes.space }, as: UTF8.self)
        if text.hasSuffix(".") { text.removeLast() }
        guard let value = Double(text) else { return (.unknown, start, end) }
        return (.number(value, isInteger: isInteger), start, end)
    }

    /// The end of an identifier whose name ends at `nameEnd`: a subscript
    /// (`x_1`, `a_{n}`, `M_{\odot}`) and primes belong to the name.
    private func identifierEnd(from index: Int, nameEnd: Int) -> Int {
        var end = nameEnd
        if end < bytes.count, bytes[end] == LatexBytes.underscore, end + 1 < bytes.count {
            let subscriptStart = end + 1
            if bytes[subscriptStart] == LatexBytes.openBrace {
                if let close = LatexBytes.matchingBrace(bytes, open: subscriptStart), close - subscriptStart <= 64 {
                    end = close
                }
            } else if bytes[subscriptStart] == LatexBytes.backslash {
                end = LatexBytes.commandName(bytes, at: subscriptStart).upperBound
            } else if LatexBytes.isDigit(bytes[subscriptStart]) || LatexBytes.isLetter(bytes[subscriptStart]) {
                end = subscriptStart + 1
            }
        }
        while end < bytes.count, bytes[end] == UInt8(ascii: "'") { end += 1 }
        return end
    }

    /// An identifier's hash with the subscript's braces and spaces left
    /// out, so `x_{1}` and `x_1` are one variable.
    private func identifierHash(_ name: ArraySlice<UInt8>) -> UInt64 {
        MathExpression.nameHash(name.lazy.filter {
            $0 != LatexBytes.openBrace && $0 != LatexBytes.closeBrace && !LatexBytes.isSpace($0)
        })
    }

    private func lexCommand(from index: Int, start: Int) -> (token: Token, start: Int, end: Int) {
        let name = LatexBytes.commandName(bytes, at: index)
        guard !name.isEmpty else { return (.unknown, start, min(index + 2, bytes.count)) }
        let word = String(decoding: bytes[name], as: UTF8.self)
        if let token = Self.commands[word] { return (token, start, name.upperBound) }
        if Self.greekLetters.contains(word) {
            let end = identifierEnd(from: index, nameEnd: name.upperBound)
            return (.variable(identifierHash(bytes[index..<end])), start, end)
        }
        return (.unknown, start, name.upperBound)
    }

    private static let commands: [String: Token] = [
        "frac": .frac, "sqrt": .sqrt, "binom": .binom,
        "cdot": .times, "times": .times, "ast": .times, "div": .divide,
        "pi": .constant(Double.pi), "infty": .infinity, "infinity": .infinity,
        "log": .log, "lg": .log,
        "ln": .function(.ln), "exp": .function(.exp),
        "sin": .function(.sin), "cos": .function(.cos), "tan": .function(.tan),
        "cot": .function(.cot), "sec": .function(.sec), "csc": .function(.csc),
        "arcsin": .function(.arcsin), "arccos": .function(.arccos), "arctan": .function(.arctan),
        "sinh": .function(.sinh), "cosh": .function(.cosh), "tanh": .function(.tanh), "coth": .function(.coth),
        "lfloor": .floorOpen, "rfloor": .floorClose, "lceil": .ceilOpen, "rceil": .ceilClose,
    ]

    private static let plainFunctions: [String: Token] = [
        "sqrt": .sqrt, "sin": .function(.sin), "cos": .function(.cos), "tan": .function(.tan),
        "arcsin": .function(.arcsin), "arccos": .function(.arccos), "arctan": .function(.arctan),
        "ln": .function(.ln), "log": .log, "exp": .function(.exp),
    ]

    private static let greekLetters: Set<String> = [
        "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta",
        "iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "rho", "varrho", "sigma", "varsigma",
        "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega",
        "Gamma", "Delta", "Theta", "Lambda", "Xi", "Sigma", "Upsilon", "Phi", "Psi", "Omega",
        "hbar", "ell",
    ]
}

extension MathExpression.Function {
    /// The inverse that `f^{-1}` names, for the trigonometric functions.
    var inverse: Self? {
        switch self {
        case .sin: return .arcsin
        case .cos: return .arccos
        case .tan: return .arctan
        default: return nil
        }
    }
}
