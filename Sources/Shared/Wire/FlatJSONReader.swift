import Foundation

/// A strict, single-pass reader for one JSON object whose values are numbers,
/// strings or arrays of numbers: the input of `gvm-coordinator allocate`.
///
/// Foundation's JSONDecoder spends about 1.5 s on the two 10^6-number arrays
/// of a large allocation; this reads them straight from the bytes. It accepts
/// exactly RFC 8259 JSON and refuses, each with a message naming the field or
/// the byte offset:
/// - keys not in `fields` ("unknown field") and keys given twice;
/// - values of the wrong kind (`gradNorms[3]: must be a number`);
/// - numbers a double cannot hold (1e400), NaN or Infinity, leading zeros;
/// - anything after the object but whitespace.
public enum FlatJSONReader {
    public static func read(_ data: Data, fields: [String: FlatJSONKind]) throws(FieldError) -> FlatJSONObject {
        let result = data.withUnsafeBytes { raw in
            Result { () throws(FieldError) in
                try read(raw.bindMemory(to: UInt8.self), fields: fields)
            }
        }
        return try result.get()
    }

    public static func read(_ bytes: UnsafeBufferPointer<UInt8>, fields: [String: FlatJSONKind]) throws(FieldError) -> FlatJSONObject {
        var parser = FlatJSONParser(bytes: bytes)
        return try parser.object(fields: fields)
    }
}

/// The reader's state: a position in the bytes. Strings and numbers are in
/// their own files (FlatJSONParser+String, FlatJSONParser+Number).
struct FlatJSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var atEnd: Bool { position >= bytes.count }
    var current: UInt8 { bytes[position] }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): position += 1
            default: return
            }
        }
    }

    /// `input: is not valid JSON (...)`, with what was found and where.
    func syntaxError(_ expected: String, at offset: Int? = nil) -> FieldError {
        let offset = offset ?? position
        let found: String
        if offset >= bytes.count {
            found = bytes.isEmpty ? "empty input" : "unexpected end of input"
        } else {
            let byte = bytes[offset]
            found = byte >= 0x20 && byte < 0x7F
                ? "unexpected '\(Character(Unicode.Scalar(byte)))'"
                : "unexpected byte 0x\(String(byte, radix: 16, uppercase: true))"
        }
        return FieldError(field: "input", problem: "is not valid JSON (\(found) at byte \(offset), expected \(expected))")
    }

    /// `input: is not valid JSON (<what> at byte N)`, for problems that are
    /// not a missing character (leading zeros, bad escapes, invalid UTF-8).
    func invalid(_ what: String, at offset: Int) -> FieldError {
        FieldError(field: "input", problem: "is not valid JSON (\(what) at byte \(offset))")
    }

    mutating func expect(_ byte: UInt8, _ description: String) throws(FieldError) {
        guard !atEnd, current == byte else { throw syntaxError(description) }
        position += 1
    }

    /// Checks a literal (`true`, `false`, `null`) and steps over it.
    mutating func literal(_ word: StaticString) throws(FieldError) {
        let start = position
        for index in 0..<word.utf8CodeUnitCount {
            guard position < bytes.count, bytes[position] == word.utf8Start[index] else {
                throw syntaxError("a JSON value", at: start)
            }
            position += 1
        }
    }

    mutating func object(fields: [String: FlatJSONKind]) throws(FieldError) -> FlatJSONObject {
        var values = [String: FlatJSONValue]()
        skipWhitespace()
        try expect(UInt8(ascii: "{"), "'{'")
        skipWhitespace()
        if !atEnd, current == UInt8(ascii: "}") {
            position += 1
        } else {
            while true {
                guard !atEnd, current == UInt8(ascii: "\"") else { throw syntaxError("a key in double quotes") }
                let key = try string()
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "':'")
                // Refused before its value is read: a misspelt key must never
                // silently fall back to a default.
                guard let kind = fields[key] else { throw FieldError(field: key, problem: "unknown field") }
                guard values[key] == nil else { throw FieldError(field: key, problem: "is given more than once") }
                skipWhitespace()
                values[key] = try value(kind, field: key)
                skipWhitespace()
                if !atEnd, current == UInt8(ascii: ",") {
                    position += 1
                    skipWhitespace()
                    continue
                }
                try expect(UInt8(ascii: "}"), "',' or '}'")
                break
            }
        }
        skipWhitespace()
        guard atEnd else { throw syntaxError("nothing after the object") }
        return FlatJSONObject(values: values, fields: fields)
    }

    mutating func value(_ kind: FlatJSONKind, field: String) throws(FieldError) -> FlatJSONValue {
        guard !atEnd else { throw syntaxError("a JSON value") }
        let byte = current
        if byte == UInt8(ascii: "n") {
            try literal("null")
            return .null
        }
        switch kind {
        case .number where startsNumber(byte):
            return .number(try number(field: field, index: nil))
        case .string where byte == UInt8(ascii: "\""):
            return .string(try string())
        case .numberArray where byte == UInt8(ascii: "["):
            return .numberArray(try numberArray(field: field))
        case .booleanArray where byte == UInt8(ascii: "["):
            return .booleanArray(try booleanArray(field: field))
        default:
            try checkStartsValue()
            throw FieldError(field: field, problem: "must be \(kind.expectation)")
        }
    }

    /// `[` number, ... `]`; an element of another kind is reported with its index.
    mutating func numberArray(field: String) throws(FieldError) -> [Double] {
        try array(expecting: "a number") { (reader, index) throws(FieldError) -> Double in
            let byte = reader.current
            if reader.startsNumber(byte) { return try reader.number(field: field, index: index) }
            if byte == UInt8(ascii: "n") {
                try reader.literal("null")
                throw FieldError(field: "\(field)[\(index)]", problem: "must be a number, got null")
            }
            try reader.checkStartsValue()
            throw FieldError(field: "\(field)[\(index)]", problem: "must be a number")
        }
    }

    /// `[` true or false, ... `]`; anything else is reported with its index.
    mutating func booleanArray(field: String) throws(FieldError) -> [Bool] {
        try array(expecting: "true or false") { (reader, index) throws(FieldError) -> Bool in
            switch reader.current {
            case UInt8(ascii: "t"):
                try reader.literal("true")
                return true
            case UInt8(ascii: "f"):
                try reader.literal("false")
                return false
            default:
                try reader.checkStartsValue()
                throw FieldError(field: "\(field)[\(index)]", problem: "must be true or false")
            }
        }
    }

    /// `[` element, ... `]`, each read by `element` from its first byte, with
    /// its index; `expecting` names an element in the syntax error for a
    /// text that ends inside the array.
    private mutating func array<Element>(
        expecting: String, _ element: (inout FlatJSONParser, Int) throws(FieldError) -> Element
    ) throws(FieldError) -> [Element] {
        position += 1  // '['
        var elements = [Element]()
        skipWhitespace()
        if !atEnd, current == UInt8(ascii: "]") {
            position += 1
            return elements
        }
        while true {
            guard !atEnd else { throw syntaxError(expecting) }
            elements.append(try element(&self, elements.count))
            skipWhitespace()
            guard !atEnd else { throw syntaxError("',' or ']'") }
            if current == UInt8(ascii: ",") {
                position += 1
                skipWhitespace()
            } else if current == UInt8(ascii: "]") {
                position += 1
                return elements
            } else {
                throw syntaxError("',' or ']'")
            }
        }
    }

    func startsNumber(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "-") || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    /// A value of the wrong kind is a type error only if it is JSON at all:
    /// `NaN` or `'x'` is a syntax error, `"x"` or `true` where a number
    /// belongs is a type error.
    mutating func checkStartsValue() throws(FieldError) {
        if startsNumber(current) { return }
        switch current {
        case UInt8(ascii: "\""), UInt8(ascii: "{"), UInt8(ascii: "["): return
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        default: throw syntaxError("a JSON value")
        }
    }
}
