/// A request or input that could not be used, with the field it concerns.
/// Commands print it as `field: problem`; the HTTP API returns it as a 400 body.
public struct FieldError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A path such as `budget` or `gradNorms[3]`; `input` for the whole document.
    public var field: String
    public var problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "\(field): \(problem)" }
}

extension FieldError {
    /// Translates a decoder's error into the field it concerns and a plain
    /// problem statement.
    public init(_ error: any Error) {
        guard let error = error as? DecodingError else {
            self.init(field: "input", problem: "\(error)")
            return
        }
        switch error {
        case .keyNotFound(let key, let context):
            self.init(field: Self.path(context.codingPath + [key]), problem: "is required")
        case .valueNotFound(let type, let context):
            self.init(field: Self.path(context.codingPath), problem: "must be \(Self.describe(type)), got null")
        case .typeMismatch(let type, let context):
            self.init(field: Self.path(context.codingPath), problem: "must be \(Self.describe(type))")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                self.init(field: "input", problem: "is not valid JSON")
            } else {
                self.init(field: Self.path(context.codingPath), problem: context.debugDescription)
            }
        @unknown default:
            self.init(field: "input", problem: "\(error)")
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        var path = ""
        for key in keys {
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += path.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return path.isEmpty ? "input" : path
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Double.Type, is Float.Type: "a number"
        case is Int.Type, is Int64.Type: "a whole number"
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is [Double].Type: "an array of numbers"
        default:
            "\(type)".hasPrefix("Array") ? "an array" : (("\(type)".hasPrefix("Dictionary")) ? "an object" : "\(type)")
        }
    }
}
