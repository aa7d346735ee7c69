import Shared

/// A request the coordinator refuses, with the reason it explains to the
/// caller. It renders itself as an HTTP status and an `ErrorBody`
/// (RequestRefusal+HTTPResponseError).
struct RequestRefusal: Error, Equatable, CustomStringConvertible {
    enum Kind: Equatable {
        /// The request is malformed or a field holds a bad value (400).
        case invalid
        /// The thing named does not exist (404).
        case notFound
        /// The request contradicts the current state, e.g. a re-issued lease (409).
        case conflict
        /// The body is larger than the endpoint accepts (413).
        case tooLarge
        /// No valid credential (401).
        case unauthenticated
        /// A credential that may not do this (403).
        case forbidden
        /// A body in a media type the route does not take (415).
        case unsupportedMediaType
    }

    var kind: Kind
    var field: String?
    var message: String

    var description: String { field.map { "\($0): \(message)" } ?? message }

    static func invalid(_ error: FieldError) -> Self {
        Self(kind: .invalid, field: error.field, message: error.problem)
    }

    static func invalid(field: String, _ message: String) -> Self {
        Self(kind: .invalid, field: field, message: message)
    }

    static func notFound(_ message: String) -> Self {
        Self(kind: .notFound, field: nil, message: message)
    }

    static func conflict(_ message: String) -> Self {
        Self(kind: .conflict, field: nil, message: message)
    }

    static func unauthenticated(_ message: String) -> Self {
        Self(kind: .unauthenticated, field: nil, message: message)
    }

    static func forbidden(field: String? = nil, _ message: String) -> Self {
        Self(kind: .forbidden, field: field, message: message)
    }

    static func unsupportedMediaType(_ message: String) -> Self {
        Self(kind: .unsupportedMediaType, field: "Content-Type", message: message)
    }
}
