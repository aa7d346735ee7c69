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
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .unsupportedMediaType: .unsupportedMediaType
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = ErrorResponse.make(status: status, field: field, message: message)
        // RFC 9110: a 401 names the scheme that would be accepted.
        if kind == .unauthenticated { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }
}
