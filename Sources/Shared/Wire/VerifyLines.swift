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
public enum VerifyResultLine: Encodable, Sendable {
    case verdict(id: JSONValue?, Verdict)
    case failure(id: JSONValue?, line: Int, error: String)

    enum CodingKeys: String, CodingKey { case id, correct, extracted, line, error }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .verdict(let id, let verdict):
            try container.encode(id ?? .null, forKey: .id)
            try container.encode(verdict.correct, forKey: .correct)
            try container.encode(verdict.extracted, forKey: .extracted)
        case .failure(let id, let line, let error):
            try container.encode(id ?? .null, forKey: .id)
            try container.encode(line, forKey: .line)
            try container.encode(error, forKey: .error)
        }
    }
}
