/// The built-in model's character vocabulary: one end-of-text token, the
/// newline and the 95 printable ASCII characters. Everything the tasks and
/// their chains of thought contain is in it; anything else is refused.
public enum Vocabulary {
    /// Ends every response; sampling stops when it is drawn.
    public static let endOfText: Int32 = 0
    public static let size = 97

    public struct UnknownCharacter: Error, CustomStringConvertible, Sendable {
        public let character: Character
        public var description: String {
            "character \(String(reflecting: String(character))) is not in the built-in model's vocabulary (newline and printable ASCII)"
        }
    }

    /// Token of one byte: newline is 1, printable ASCII 32...126 are 2...96.
    @inline(__always)
    static func token(ofByte byte: UInt8) -> Int32? {
        if byte == 10 { return 1 }
        if byte >= 32 && byte <= 126 { return Int32(byte) - 30 }
        return nil
    }

    public static func encode(_ text: String) throws(UnknownCharacter) -> [Int32] {
        var tokens: [Int32] = []
        tokens.reserveCapacity(text.utf8.count)
        for character in text {
            guard character.utf8.count == 1, let token = token(ofByte: character.utf8.first!) else {
                throw UnknownCharacter(character: character)
            }
            tokens.append(token)
        }
        return tokens
    }

    /// Text of tokens; the end-of-text token is dropped.
    public static func decode<Tokens: Sequence>(_ tokens: Tokens) -> String where Tokens.Element == Int32 {
        var bytes: [UInt8] = []
        for token in tokens {
            switch token {
            case 1: bytes.append(10)
            case 2...96: bytes.append(UInt8(token + 30))
            default: continue
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
