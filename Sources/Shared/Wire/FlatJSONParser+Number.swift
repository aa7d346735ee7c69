#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// JSON numbers: the RFC 8259 grammar, converted exactly as a correct JSON
/// parser does (the nearest double, ties to even).
extension FlatJSONParser {
    /// 10^0 ... 10^22, every one exact in a double.
    private static let exactPowersOfTen: [Double] = (0...22).reduce(into: []) { powers, k in
        powers.append(k == 0 ? 1 : powers[k - 1] * 10)
    }

    /// strtod reads the decimal point of the C locale only if the process's
    /// locale is "C"; this pins it whatever the process set.
    nonisolated(unsafe) private static let cNumericLocale = newlocale(1 << LC_NUMERIC, "C", nil)

    /// Reads the number at `position`. `index` is the element's index when the
    /// number is in an array, for the message (built only on failure).
    mutating func number(field: String, index: Int?) throws(FieldError) -> Double {
        let start = position
        let negative = bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }

        // Up to 19 significant digits in `mantissa`; the value is
        // mantissa * 10^exponent unless digits were left out (`truncated`).
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var exponent = 0
        var truncated = false

        guard position < bytes.count, isDigit(bytes[position]) else { throw syntaxError("a digit") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, isDigit(bytes[position]) {
                throw invalid("a number with a leading zero", at: position - 1)
            }
        } else {
            while position < bytes.count, isDigit(bytes[position]) {
                let digit = UInt64(bytes[position] &- UInt8(ascii: "0"))
                if significantDigits < 19 {
                    mantissa = mantissa * 10 + digit
                    significantDigits += 1
                } else {
                    exponent += 1
                    truncated = truncated || digit != 0
                }
                position += 1
            }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else { throw syntaxError("a digit after '.'") }
            while position < bytes.count, isDigit(bytes[position]) {
                let digit = UInt64(bytes[position] &- UInt8(ascii: "0"))
                if significantDigits < 19 {
                    mantissa = mantissa * 10 + digit
                    if mantissa != 0 { significantDigits += 1 }
                    exponent -= 1
                } else {
                    truncated = truncated || digit != 0
                }
                position += 1
            }
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            var exponentNegative = false
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                exponentNegative = bytes[position] == UInt8(ascii: "-")
                position += 1
            }
            guard position < bytes.count, isDigit(bytes[position]) else { throw syntaxError("a digit in the exponent") }
            var written = 0
            while position < bytes.count, isDigit(bytes[position]) {
                // Saturates: anything past 10^6 is 0 or infinite either way.
                written = min(written * 10 + Int(bytes[position] &- UInt8(ascii: "0")), 1_000_000)
                position += 1
            }
            exponent += exponentNegative ? -written : written
        }

        // Clinger's fast path: an exact integer times or over an exact power
        // of ten is one correctly rounded operation.
        if !truncated, mantissa <= 1 << 53 {
            let value: Double?
            if mantissa == 0 {
                value = 0
            } else if exponent >= 0, exponent <= 22 {
                value = Double(mantissa) * Self.exactPowersOfTen[exponent]
            } else if exponent < 0, exponent >= -22 {
                value = Double(mantissa) / Self.exactPowersOfTen[-exponent]
            } else {
                value = nil
            }
            if let value { return negative ? -value : value }
        }
        return try convertSlowly(from: start, field: field, index: index)
    }

    /// strtod on a NUL-terminated copy of the text; correctly rounded.
    private func convertSlowly(from start: Int, field: String, index: Int?) throws(FieldError) -> Double {
        let length = position - start
        let value = withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
            for offset in 0..<length { buffer[offset] = CChar(bitPattern: bytes[start + offset]) }
            buffer[length] = 0
            let previous = uselocale(Self.cNumericLocale)
            defer { uselocale(previous) }
            return strtod(buffer.baseAddress!, nil)
        }
        guard value.isFinite else {
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            let name = index.map { "\(field)[\($0)]" } ?? field
            throw FieldError(field: name, problem: "number \(text) is too large for a double")
        }
        return value
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }
}
