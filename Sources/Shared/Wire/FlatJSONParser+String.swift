/// JSON strings: escapes, `\u` surrogate pairs, valid UTF-8 only, no raw
/// control characters.
extension FlatJSONParser {
    /// Reads a string starting at its opening quote and steps past the closing one.
    mutating func string() throws(FieldError) -> String {
        let start = position
        position += 1  // '"'
        // Most strings (keys, strategy names) have no escapes: one scan, one copy.
        let contentStart = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let content = UnsafeBufferPointer(rebasing: bytes[contentStart..<position])
                position += 1
                return try utf8(content, start: start)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw controlCharacter(byte) }
            position += 1
        }
        guard position < bytes.count else { throw syntaxError("'\"' to end the string") }

        var decoded = Array(UnsafeBufferPointer(rebasing: bytes[contentStart..<position]))
        while true {
            guard position < bytes.count else { throw syntaxError("'\"' to end the string") }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return try decoded.withUnsafeBufferPointer { buffer throws(FieldError) in try utf8(buffer, start: start) }
            case UInt8(ascii: "\\"):
                try escape(into: &decoded)
            case ..<0x20:
                throw controlCharacter(byte)
            default:
                decoded.append(byte)
                position += 1
            }
        }
    }

    private func controlCharacter(_ byte: UInt8) -> FieldError {
        invalid("an unescaped control character 0x\(String(byte, radix: 16, uppercase: true)) in a string", at: position)
    }

    private func utf8(_ content: UnsafeBufferPointer<UInt8>, start: Int) throws(FieldError) -> String {
        guard let text = String(validating: content, as: UTF8.self) else {
            throw invalid("a string that is not valid UTF-8", at: start)
        }
        return text
    }

    /// One escape sequence at `position` (the backslash), appended as UTF-8.
    private mutating func escape(into decoded: inout [UInt8]) throws(FieldError) {
        let start = position
        position += 1
        guard position < bytes.count else { throw syntaxError("an escape character") }
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(byte)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try hex4())
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate must be followed by an escaped low one.
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                      bytes[position + 1] == UInt8(ascii: "u") else {
                    throw invalid("a high surrogate without a low one after it", at: start)
                }
                position += 2
                let low = UInt32(try hex4())
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw invalid("a high surrogate without a low one after it", at: start)
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw invalid("a low surrogate without a high one before it", at: start)
            }
            // Every value left is a valid scalar: surrogates were handled above.
            decoded.append(contentsOf: Unicode.Scalar(scalar)!.utf8)
        default:
            throw invalid("an unknown escape", at: start)
        }
    }

    private mutating func hex4() throws(FieldError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard position < bytes.count else { throw syntaxError("four hex digits after \\u") }
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw syntaxError("four hex digits after \\u")
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }
}
