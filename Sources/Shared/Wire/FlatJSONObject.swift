/// What one field of a flat JSON object may hold (besides `null`).
public enum FlatJSONKind: Sendable {
    case number
    case string
    case numberArray
    case booleanArray

    /// How a type error on this field reads: "must be a number".
    var expectation: String {
        switch self {
        case .number: "a number"
        case .string: "a string"
        case .numberArray: "an array of numbers"
        case .booleanArray: "an array of true and false"
        }
    }
}

/// One value of a flat JSON object, already checked against its field's kind.
public enum FlatJSONValue: Sendable, Equatable {
    case number(Double)
    case string(String)
    case numberArray([Double])
    case booleanArray([Bool])
    case null
}

/// The fields of a flat JSON object as `FlatJSONReader` read them: each key
/// known and present at most once, each value of its field's kind or `null`.
public struct FlatJSONObject: Sendable, Equatable {
    public var values: [String: FlatJSONValue]
    /// The kinds the reader checked the values against, for the messages of
    /// the accessors below.
    public var fields: [String: FlatJSONKind]

    public init(values: [String: FlatJSONValue], fields: [String: FlatJSONKind]) {
        self.values = values
        self.fields = fields
    }

    /// nil when absent or `null` (an optional field then takes its default).
    public func number(_ key: String) -> Double? {
        if case .number(let value) = values[key] { return value }
        return nil
    }

    public func string(_ key: String) -> String? {
        if case .string(let value) = values[key] { return value }
        return nil
    }

    public func numberArray(_ key: String) -> [Double]? {
        if case .numberArray(let value) = values[key] { return value }
        return nil
    }

    public func booleanArray(_ key: String) -> [Bool]? {
        if case .booleanArray(let value) = values[key] { return value }
        return nil
    }

    public func requiredNumber(_ key: String) throws(FieldError) -> Double {
        if let value = number(key) { return value }
        throw missing(key)
    }

    public func requiredNumberArray(_ key: String) throws(FieldError) -> [Double] {
        if let value = numberArray(key) { return value }
        throw missing(key)
    }

    /// "is required" when absent, "must be ..., got null" when `null`, the
    /// way the JSONDecoder-based inputs word it.
    private func missing(_ key: String) -> FieldError {
        guard values[key] == .null else { return FieldError(field: key, problem: "is required") }
        let expected = fields[key]?.expectation ?? "a value"
        return FieldError(field: key, problem: "must be \(expected), got null")
    }
}
