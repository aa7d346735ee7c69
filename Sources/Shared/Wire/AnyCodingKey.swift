/// A coding key for any string, to list a container's keys (decoders that
/// refuse unknown fields use it).
public struct AnyCodingKey: CodingKey {
    public var stringValue: String
    public var intValue: Int? { nil }
    public init(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { nil }
}

extension Decoder {
    /// Refuses the first key `Keys` does not name, as "unknown field" at its
    /// path: a misspelt key must never silently fall back to a default.
    public func refuseUnknownKeys<Keys: CodingKey>(_: Keys.Type) throws {
        let keys = try container(keyedBy: AnyCodingKey.self).allKeys
        if let unknown = keys.first(where: { Keys(stringValue: $0.stringValue) == nil }) {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath + [unknown], debugDescription: "unknown field"))
        }
    }
}
