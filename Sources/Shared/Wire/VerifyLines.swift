import Foundation

/// One line of `gvm-worker verify` input: `{"id","response","gold"}`.
public struct VerifyRequestLine: Decodable, Sendable {
    /// Echoed back as given; any JSON value.
    public var id: JSONValue?
    public var response: String
    public var gold: String

    enum CodingKeys: String, CodingKey { case id, response, gold }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(JSONValue.self, forKey: .id)
        response = try container.decode(String.self, forKey: .response)
        // Datasets store answers as strings ("025") or as numbers (27.0).
        switch try container.decode(JSONValue.self, forKey: .gold) {
        case .string(let text): gold = text
        case .number(let number): gold = Self.goldText(number)
        case let other:
            throw DecodingError.typeMismatch(
                String.self,
                .init(codingPath: container.codingPath + [CodingKeys.gold],
                      debugDescription: "gold must be a string or a number, got \(other.typeName)"))
        }
    }

    /// A numeric gold answer as the verifier reads it: whole numbers without
    /// a fractional part, others in their shortest round-trip form.
    public static func goldText(_ number: Double) -> String {
        if let whole = Int64(exactly: number) { return String(whole) }
        return "\(number)"
    }
}

/// One line of `gvm-worker verify` output: a verdict, or the reason a line
/// could not be judged.
public enum VerifyResultLine: Sendable {
    case verdict(id: JSONValue?, Verdict)
    case failure(id: JSONValue?, line: Int, error: String)

    /// The line as JSON, keys in the documented order (`id` first), which
    /// scripts reading the output by eye or by regex rely on.
    public func jsonLine(encoder: JSONEncoder) throws -> Data {
        func value<T: Encodable>(_ value: T) throws -> Data { try encoder.encode(value) }
        var line = Data(#"{"id":"#.utf8)
        switch self {
        case .verdict(let id, let verdict):
            line += try value(id ?? .null)
            line += Data(#","correct":"#.utf8) + (try value(verdict.correct))
            line += Data(#","extracted":"#.utf8) + (try verdict.extracted.map(value) ?? Data("null".utf8))
        case .failure(let id, let number, let error):
            line += try value(id ?? .null)
            line += Data(#","line":"#.utf8) + (try value(number))
            line += Data(#","error":"#.utf8) + (try value(error))
        }
        line += Data("}\n".utf8)
        return line
    }
}
