import Hummingbird

/// A refusal renders itself: Hummingbird's router turns any thrown
/// `HTTPResponseError` into its response, so no middleware has to know it.
extension RequestRefusal: HTTPResponseError {
    var status: HTTPResponse.Status {
        switch kind {
        case .invalid: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        case .tooLarge: .contentTooLarge
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        ErrorResponse.make(status: status, field: field, message: message)
    }
}
