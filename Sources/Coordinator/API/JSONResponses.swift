import Foundation
import Hummingbird
import NIOCore
import Shared

/// Encoding and decoding of JSON bodies, the same way on every route.
enum JSONResponses {
    /// The largest JSON body any route reads; larger bodies get 413.
    static let maxJSONBodyBytes = 32 << 20

    static func ok<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        var data = try WireJSON.encoder().encode(value)
        data.append(UInt8(ascii: "\n"))
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Reads and decodes a JSON body; every failure names its field.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int = maxJSONBodyBytes) async throws -> T {
        let data = try await body(of: request, limit: limit)
        do {
            return try JSONInput.decode(type, from: data)
        } catch {
            throw RequestRefusal.invalid(error)
        }
    }

    /// The whole body, refused (413) before it is read when its declared
    /// length is over `limit`, and otherwise as soon as the limit is crossed.
    static func body(of request: Request, limit: Int) async throws -> Data {
        if let declared = declaredLength(of: request), declared > limit { throw tooLarge(limit: limit) }
        var request = request
        do {
            return Data(buffer: try await request.collectBody(upTo: limit))
        } catch is NIOTooManyBytesError {
            throw tooLarge(limit: limit)
        }
    }

    /// The body's Content-Length, when it has one.
    static func declaredLength(of request: Request) -> Int? {
        request.headers[.contentLength].flatMap { Int($0) }
    }

    static func tooLarge(limit: Int) -> RequestRefusal {
        RequestRefusal(kind: .tooLarge, field: "body", message: "is larger than the \(limit) bytes this endpoint accepts")
    }
}
