extension KeyedDecodingContainer {
    /// Decodes a whole number, and names the key when the value is a number
    /// that is not one: Foundation's decoder on Linux reports `12.5` for an
    /// `Int` as "not valid JSON" with no field at all.
    public func decodeWholeNumberIfPresent(forKey key: Key) throws -> Int? {
        do {
            return try decodeIfPresent(Int.self, forKey: key)
        } catch {
            if let number = try? decodeIfPresent(Double.self, forKey: key) {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: codingPath + [key],
                    debugDescription: "must be a whole number, got \(number)"))
            }
            throw error
        }
    }
}
