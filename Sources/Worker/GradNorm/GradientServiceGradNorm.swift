import CurlHTTP
import Foundation
import Shared

/// G from the user's gradient service: one POST per accepted sample of
/// `{prompt, messages, response}`, answered with `{gradNorm}`. A failed
/// exchange, an error status, a malformed answer or a value that is not a
/// finite number >= 0 all throw, and the lease is released with the reason.
struct GradientServiceGradNorm: GradNormEstimator {
    let url: String
    let connection: GradientServiceConnection

    func gradNorm(of generation: Generation, for lease: Lease) async throws -> Double {
        let payload = GradientServiceRequest(prompt: lease.prompt, response: generation.text)
        let request = HTTPRequest(
            method: "POST", url: url,
            headers: ["Content-Type": "application/json", "Accept": "application/json"],
            body: try JSONEncoder().encode(payload),
            timeout: connection.timeout,
            connectTimeout: min(connection.timeout, .seconds(10)))
        let response: HTTPResponse
        do {
            response = try await connection.client.send(request)
        } catch let error as HTTPClientError {
            throw GradNormError.service(url: url, reason: error.description)
        }
        guard (200..<300).contains(response.status) else {
            throw GradNormError.service(
                url: url, reason: "answered HTTP \(response.status): \(ServerErrorText.message(from: response.body))")
        }
        let reply: GradientServiceReply
        do {
            reply = try JSONDecoder().decode(GradientServiceReply.self, from: response.body)
        } catch {
            throw GradNormError.service(
                url: url, reason: "answer is not {\"gradNorm\": number}: \(FieldError(error).description)")
        }
        guard reply.gradNorm.isFinite, reply.gradNorm >= 0 else {
            throw GradNormError.service(url: url, reason: "gradNorm must be a finite number >= 0, got \(reply.gradNorm)")
        }
        return reply.gradNorm
    }
}
