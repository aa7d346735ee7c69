import Foundation
import Testing
@testable import Shared

/// The strict reader and the writer behind `gvm-coordinator allocate`.
@Suite("Flat JSON reader and writer")
struct FlatJSONReaderWriterTests {
    static let fields: [String: FlatJSONKind] = [
        "n": .number, "s": .string, "a": .numberArray, "b": .numberArray,
    ]

    static func read(_ text: String) throws(FieldError) -> FlatJSONObject {
        try FlatJSONReader.read(Data(text.utf8), fields: fields)
    }

    static func readBytes(_ bytes: [UInt8]) throws(FieldError) -> FlatJSONObject {
        try FlatJSONReader.read(Data(bytes), fields: fields)
    }

    /// The error a text gets, or nil when it is read.
    static func error(_ text: String) -> FieldError? {
        do {
            _ = try read(text)
            return nil
        } catch {
            return error
        }
    }

    /// What JSONSerialization makes of the same text, in the reader's terms.
    static func foundationValues(_ text: String) throws -> [String: FlatJSONValue] {
        let object = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        var values = [String: FlatJSONValue]()
        for (key, value) in object {
            switch value {
            case is NSNull: values[key] = .null
            case let string as String: values[key] = .string(string)
            case let array as [Any]: values[key] = .numberArray(array.map { ($0 as! NSNumber).doubleValue })
            default: values[key] = .number((value as! NSNumber).doubleValue)
            }
        }
        return values
    }

    // MARK: Valid documents

    static let validDocuments: [String] = [
        #"{}"#,
        #"{"n":1}"#,
        " \t\r\n{ \t\r\n\"n\" \t\r\n: \t\r\n-0.5 \t\r\n, \"a\" : [ 1 , 2 ,3 ] } \n\t\r ",
        #"{"a":[],"b":[ ],"s":""}"#,
        #"{"a":[0,-0,1,-1,10,0.5,-0.25,1e3,1E3,1e+3,1e-3,1.5e2,123456789,0.125,6.02214076e23]}"#,
        #"{"a":[0.1,0.2,0.3,1.7976931348623157e308,5e-324,2.2250738585072014e-308,9007199254740993]}"#,
        #"{"a":[3.141592653589793238462643383279,1e-7,123.456e-2]}"#,
        #"{"s":"gvm","n":null}"#,
        #"{"s":"\"\\\/\b\f\n\r\t"}"#,
        #"{"s":"\u0067\u0076\u006D \u00e9 \u20AC \uD83D\uDE00 é € 😀"}"#,
        #"{"\u0073":"escaped key"}"#,
    ]

    /// (JSONSerialization on Linux misreads some 17-digit numbers by an ulp,
    /// 0.30000000000000004 for one, so those are checked against Swift's own
    /// parser below instead.)
    @Test("valid documents read as JSONSerialization reads them", arguments: validDocuments)
    func validDocument(_ text: String) throws {
        let object = try Self.read(text)
        #expect(object.values == (try Self.foundationValues(text)))
    }

    @Test("optional and required accessors: absent, null and present")
    func accessors() throws {
        let object = try Self.read(#"{"n":null,"a":[1.5],"s":"x"}"#)
        #expect(object.number("n") == nil)
        #expect(object.numberArray("a") == [1.5])
        #expect(object.string("s") == "x")
        #expect(throws: FieldError(field: "n", problem: "must be a number, got null")) { try object.requiredNumber("n") }
        #expect(throws: FieldError(field: "b", problem: "is required")) { try object.requiredNumberArray("b") }
    }

    // MARK: Numbers

    /// Random finite doubles from their bits, written in several ways a JSON
    /// producer might, each read back to the nearest double exactly as
    /// Swift's own (correctly rounded) parser reads it.
    @Test("numbers convert exactly as a correctly rounded parser does", arguments: 0..<4)
    func numbersRoundCorrectly(seed: Int) throws {
        var generator = SplitMix64(seed: UInt64(seed) &+ 11)
        var texts = [String]()
        for _ in 0..<2_000 {
            var value = Double(bitPattern: generator.next())
            if !value.isFinite { value = Double(Int64(bitPattern: generator.next() >> 11)) }
            let unit = Double.random(in: 0...6, using: &generator)
            for candidate in [value, unit] {
                texts.append(candidate.description)
                texts.append(String(format: "%.17g", candidate).replacingOccurrences(of: "e+", with: "e"))
                texts.append(String(format: "%.25e", candidate))
            }
            // Rounded to 4 digits (not near the top of the range, where that overflows).
            texts.append(String(format: "%.3e", unit))
            // Short decimals, the fast path's domain, and 19-20 digit integers at its edge.
            texts.append("\(Int.random(in: -99_999...99_999, using: &generator)).\(Int.random(in: 0...999, using: &generator))")
            texts.append("\(UInt64.random(in: 1_000_000_000_000_000_000...UInt64.max, using: &generator))")
        }
        let document = #"{"a":["# + texts.joined(separator: ",") + "]}"
        let numbers = try #require(try Self.read(document).numberArray("a"))
        #expect(numbers.count == texts.count)
        for (text, number) in zip(texts, numbers) {
            let expected = try #require(Double(text), "\(text)")
            #expect(number.bitPattern == expected.bitPattern, "\(text): \(number) vs \(expected)")
        }
    }

    static let exactNumbers: [(text: String, value: Double)] = [
        ("0", 0), ("-0", -0.0), ("0e999999999", 0), ("1e-400", 0), ("-1e-400", -0.0),
        ("4.9e-324", 5e-324), ("2.4703282292062328e-324", 5e-324), ("2.4703282292062327e-324", 0),
        ("1.7976931348623158e308", .greatestFiniteMagnitude),
        ("9007199254740993", 9_007_199_254_740_992), ("9007199254740995", 9_007_199_254_740_996),
        ("0.1", 0.1), ("0.30000000000000004", 0.30000000000000004), ("0.01678829452815611", 0.01678829452815611), ("100000000000000000000000", 1e23), ("1e22", 1e22), ("1e23", 1e23),
        // 800 digits: far past the fast path's 19; rounds by the digits beyond the 17th.
        ("1." + String(repeating: "0", count: 800) + "1", 1),
        ("0." + String(repeating: "0", count: 400) + "1e401", 1),
    ]

    @Test("edge numbers: zero signs, underflow, subnormals, halfway cases, long mantissas", arguments: exactNumbers)
    func exactNumber(_ text: String, value: Double) throws {
        let read = try #require(try Self.read(#"{"n":"# + text + "}").number("n"))
        #expect(read.bitPattern == value.bitPattern, "\(text): \(read)")
    }

    static let tooLarge = ["1e400", "-1e400", "1.8e308", "1e999999999999999999999", "1.7976931348623159e308"]

    @Test("numbers beyond a double are refused naming the field, index and number", arguments: tooLarge)
    func numberTooLarge(_ text: String) {
        #expect(Self.error(#"{"n":"# + text + "}") == FieldError(field: "n", problem: "number \(text) is too large for a double"))
        #expect(Self.error(#"{"a":[1,"# + text + "]}")?.field == "a[1]")
    }

    static let malformedNumbers = [
        "01", "-01", "00", "1.", "-", ".5", "+1", "1e", "1e+", "1E-", "1.e3", "0x10", "1.5.2", "--1",
        "NaN", "nan", "Infinity", "-Infinity", "inf", "1,", "1 2", "1_000", "١",
    ]

    @Test("malformed numbers, NaN and Infinity are not JSON", arguments: malformedNumbers)
    func malformedNumber(_ text: String) throws {
        for document in [#"{"n":"# + text + "}", #"{"a":[0,"# + text + "]}"] {
            let error = try #require(Self.error(document), "\(document) must be refused")
            #expect(error.field == "input", "\(document): \(error)")
            #expect(error.problem.hasPrefix("is not valid JSON ("), "\(document): \(error)")
            #expect(error.problem.contains(" at byte "), "\(document): \(error)")
        }
    }

    @Test("a syntax error gives the byte offset and what was expected")
    func syntaxPosition() {
        #expect(Self.error(#"{"a":[1,2 3]}"#) == FieldError(
            field: "input", problem: "is not valid JSON (unexpected '3' at byte 10, expected ',' or ']')"))
        #expect(Self.error(#"{"n":01}"#) == FieldError(
            field: "input", problem: "is not valid JSON (a number with a leading zero at byte 5)"))
        #expect(Self.error("") == FieldError(field: "input", problem: "is not valid JSON (empty input at byte 0, expected '{')"))
    }

    // MARK: Structure

    @Test("every truncation of a document is refused as invalid JSON")
    func truncation() throws {
        let text = #"{"s" : "g\u0076m", "a":[1.5e-3, -2, 0], "n":12.25e1 , "b":[]}"#
        _ = try Self.read(text)
        let bytes = Array(text.utf8)
        for length in 0..<bytes.count {
            let prefix = String(decoding: bytes[..<length], as: UTF8.self)
            do {
                _ = try Self.readBytes(Array(bytes[..<length]))
                Issue.record("\(prefix) was read")
            } catch {
                #expect(error.field == "input", "\(prefix): \(error)")
                #expect(error.problem.contains("at byte"), "\(prefix): \(error)")
            }
        }
    }

    static let refusedDocuments: [(text: String, error: FieldError)] = [
        (#"{"n":1,"n":2}"#, FieldError(field: "n", problem: "is given more than once")),
        (#"{"a":[1],"\u0061":[2]}"#, FieldError(field: "a", problem: "is given more than once")),
        (#"{"nn":1}"#, FieldError(field: "nn", problem: "unknown field")),
        // An unknown key is refused before its value is looked at.
        (#"{"x":{"deep":[[[]]]}}"#, FieldError(field: "x", problem: "unknown field")),
        (#"{"N":1}"#, FieldError(field: "N", problem: "unknown field")),
        (#"{"n":{"x":1}}"#, FieldError(field: "n", problem: "must be a number")),
        (#"{"n":[1]}"#, FieldError(field: "n", problem: "must be a number")),
        (#"{"n":"1"}"#, FieldError(field: "n", problem: "must be a number")),
        (#"{"n":true}"#, FieldError(field: "n", problem: "must be a number")),
        (#"{"s":1}"#, FieldError(field: "s", problem: "must be a string")),
        (#"{"s":["x"]}"#, FieldError(field: "s", problem: "must be a string")),
        (#"{"a":1}"#, FieldError(field: "a", problem: "must be an array of numbers")),
        (#"{"a":{"0":1}}"#, FieldError(field: "a", problem: "must be an array of numbers")),
        (#"{"a":[1,[2]]}"#, FieldError(field: "a[1]", problem: "must be a number")),
        (#"{"a":[1,2,{"x":3}]}"#, FieldError(field: "a[2]", problem: "must be a number")),
        (#"{"a":[1,"2"]}"#, FieldError(field: "a[1]", problem: "must be a number")),
        (#"{"a":[false]}"#, FieldError(field: "a[0]", problem: "must be a number")),
        (#"{"a":[0,0,0,null]}"#, FieldError(field: "a[3]", problem: "must be a number, got null")),
    ]

    @Test("duplicate and unknown keys, nesting and wrong kinds are refused naming the field", arguments: refusedDocuments)
    func refused(_ text: String, error: FieldError) {
        #expect(Self.error(text) == error)
    }

    static let invalidDocuments: [String] = [
        "[1]", "1", #""n""#, "null", "{", "}", #"{"n":1}}"#, #"{"n":1} {}"#, #"{"n":1},"#,
        #"{"n":1,}"#, #"{,"n":1}"#, #"{"n" 1}"#, #"{"n"::1}"#, #"{n:1}"#, #"{'n':1}"#, #"{"a":[1,]}"#,
        #"{"a":[,1]}"#, #"{"a":[1 2]}"#, #"{"a":[1}"#, #"{"n":nul}"#, #"{"n":True}"#, #"{"n":tru}"#,
        #"{"n":undefined}"#, "{\"n\":1}\u{0B}", "{\u{A0}\"n\":1}", "\u{FEFF}{\"n\":1}", #"{"n":1}/**/"#,
        // Strings: raw control characters, bad escapes, lone surrogates.
        "{\"s\":\"a\nb\"}", "{\"s\":\"a\tb\"}", #"{"s":"\x41"}"#, #"{"s":"\u12"}"#, #"{"s":"\u12G4"}"#,
        #"{"s":"\uD83D"}"#, #"{"s":"\uD83Dx"}"#, #"{"s":"\uD83D\u0041"}"#, #"{"s":"\uDE00"}"#, #"{"s":"abc"#,
        #"{"s":"abc\"}"#, #"{"s":"\"#,
    ]

    /// JSONSerialization is laxer here (it takes trailing commas and a BOM).
    @Test("text that is not JSON is refused as such, with a position", arguments: invalidDocuments)
    func invalidDocument(_ text: String) throws {
        let error = try #require(Self.error(text), "\(text) must be refused")
        #expect(error.field == "input", "\(text): \(error)")
        #expect(error.problem.hasPrefix("is not valid JSON ("), "\(text): \(error)")
        #expect(error.problem.contains(" at byte "), "\(text): \(error)")
    }

    @Test("strings that are not valid UTF-8 are refused")
    func invalidUTF8() throws {
        for bad: [UInt8] in [[0xFF], [0xC3], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80]] {
            let document = Array(#"{"s":"a"#.utf8) + bad + Array(#""}"#.utf8)
            #expect(throws: FieldError(field: "input", problem: "is not valid JSON (a string that is not valid UTF-8 at byte 5)")) {
                try Self.readBytes(document)
            }
        }
        // In a key too, and after an escape (the slow path).
        let escaped = Array(#"{"s":"\n"#.utf8) + [0xFF] + Array(#""}"#.utf8)
        #expect(throws: FieldError.self) { try Self.readBytes(escaped) }
        let key = Array(#"{""#.utf8) + [0xFF] + Array(#"":1}"#.utf8)
        #expect(throws: FieldError.self) { try Self.readBytes(key) }
    }

    // MARK: Writer

    @Test("the writer's doubles read back as the same doubles, through JSONDecoder and the reader")
    func writerRoundTrip() throws {
        var generator = SplitMix64(seed: 7)
        var values: [Double] = [
            0, -0.0, 1, -1, 0.1, 1e-5, 1e-7, 1e16, 1e22, 1e23, 123456789012345680, 5e-324, -5e-324,
            .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNormalMagnitude, 0.30000000000000004,
        ]
        for _ in 0..<5_000 {
            let value = Double(bitPattern: generator.next())
            if value.isFinite { values.append(value) }
            values.append(Double.random(in: 0...1, using: &generator))
        }
        var writer = JSONByteWriter()
        writer.raw(#"{"a":"#)
        try writer.numbers(values)
        writer.raw("}")
        let data = Data(writer.bytes)
        let read = try #require(try FlatJSONReader.read(data, fields: Self.fields).numberArray("a"))
        #expect(read.map(\.bitPattern) == values.map(\.bitPattern))
        // JSONDecoder, not JSONSerialization: the latter misreads some 17-digit numbers on Linux.
        struct Document: Decodable { var a: [Double] }
        let foundation = try JSONDecoder().decode(Document.self, from: data).a
        #expect(foundation.map(\.bitPattern) == values.map(\.bitPattern))
    }

    @Test("integers, including the extremes, are written as JSONSerialization reads them")
    func writerIntegers() throws {
        let values = [0, 1, -1, 9, 10, -10, 1_234_567_890, Int.max, Int.min]
        var writer = JSONByteWriter()
        writer.integers(values)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == "[" + values.map(String.init).joined(separator: ",") + "]")
        let read = try #require(try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [NSNumber])
        #expect(read.map(\.int64Value) == values.map(Int64.init))
    }

    @Test("NaN and infinities are refused with their index, never written")
    func writerRefusesNonFinite() {
        for bad in [Double.nan, .infinity, -.infinity] {
            var writer = JSONByteWriter()
            #expect(throws: JSONByteWriter.NonFiniteNumber.self) { try writer.numbers([1, 2, bad]) }
            do {
                try writer.numbers([1, 2, bad])
            } catch {
                #expect(error.index == 2)
            }
        }
        let allocation = Allocation(counts: [1, 2], ratios: [0.5, .nan], unallocated: 0)
        #expect(throws: FieldError(field: "ratios[1]", problem: "is nan, which JSON cannot hold")) {
            try AllocateOutput.json(allocation)
        }
    }

    @Test("allocate's output has sorted keys and reads back to the allocation")
    func allocateOutput() throws {
        let allocation = Allocation(counts: [16, 16, 0], ratios: [0.4, 0.4, 0], unallocated: 8)
        let bytes = try AllocateOutput.json(allocation)
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"counts":[16,16,0],"ratios":[0.4,0.4,0.0],"unallocated":8}"# + "\n")
        let decoded = try JSONDecoder().decode(Allocation.self, from: Data(bytes))
        #expect(decoded == allocation)
    }

    // MARK: AllocateInput

    @Test("AllocateInput reads every field, and the cap reaches the request")
    func allocateInputFields() throws {
        let text = #"{"strategy":"uniform","gradNorms":[1,2],"acceptRates":[0.5,0.25],"alpha":0.01,"beta":3,"budget":10,"filterThreshold":0.9,"filterInsufficient":0.5,"maxSamplesPerPrompt":4}"#
        let input = try AllocateInput(json: Data(text.utf8))
        #expect(input == AllocateInput(
            strategy: "uniform", gradNorms: [1, 2], acceptRates: [0.5, 0.25], alpha: 0.01, beta: 3, budget: 10,
            filterThreshold: 0.9, filterInsufficient: 0.5, maxSamplesPerPrompt: 4))
        let (strategy, request) = try input.resolved()
        #expect(strategy == .uniform)
        #expect(request == AllocationRequest(
            gradNorms: [1, 2], acceptRates: [0.5, 0.25], alpha: 0.01, beta: 3, budget: 10,
            filterThreshold: 0.9, filterInsufficient: 0.5, maxSamplesPerPrompt: 4))
        let defaults = try AllocateInput(json: Data(#"{"gradNorms":[1],"acceptRates":[1],"budget":0,"maxSamplesPerPrompt":null}"#.utf8)).resolved()
        #expect(defaults.0 == .gvm)
        #expect(defaults.1 == AllocationRequest(gradNorms: [1], acceptRates: [1], alpha: 1e-3, beta: 2, budget: 0))
    }

    static let badCaps: [(text: String, problem: String)] = [
        ("-1", "must be a whole number >= 0, got -1.0"),
        ("12.5", "must be a whole number >= 0, got 12.5"),
        ("1e30", "must be a whole number >= 0, got 1e+30"),
        ("-0.5", "must be a whole number >= 0, got -0.5"),
    ]

    @Test("a negative or fractional cap is refused naming maxSamplesPerPrompt", arguments: badCaps)
    func badCap(_ text: String, problem: String) throws {
        let input = try AllocateInput(json: Data((#"{"gradNorms":[1],"acceptRates":[1],"budget":8,"maxSamplesPerPrompt":"# + text + "}").utf8))
        #expect(throws: FieldError(field: "maxSamplesPerPrompt", problem: problem)) { try input.resolved() }
    }

    @Test("a misspelt cap is an unknown field, not silently no cap")
    func misspeltCap() {
        #expect(throws: FieldError(field: "maxSamplePerPrompt", problem: "unknown field")) {
            try AllocateInput(json: Data(#"{"gradNorms":[1],"acceptRates":[1],"budget":8,"maxSamplePerPrompt":4}"#.utf8))
        }
    }
}
