import ArgumentParser
import ClientAccess
import CurlHTTP
import Foundation
import Shared

/// What the operator commands use to talk to a running coordinator.
struct CoordinatorAPIClient {
    let baseURL: String
    let http: CurlHTTPClient
    let credential: CoordinatorCredential

    init(url: String, credential: CoordinatorCredential = .none, caFile: String? = nil) throws {
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw CommandFailure("--url must start with http:// or https://, got \(url)")
        }
        baseURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        http = try CurlHTTPClient(caFile: caFile)
        self.credential = credential
    }

    /// Sends a request and decodes a 2xx answer; anything else becomes a
    /// `CommandFailure` carrying the coordinator's own message.
    func send<T: Decodable>(
        _ method: String, _ path: String, body: Data? = nil, contentType: String = "application/json",
        as type: T.Type
    ) async throws -> T {
        let response = try await raw(method, path, body: body, contentType: contentType)
        do {
            return try WireJSON.decoder().decode(type, from: response.body)
        } catch {
            throw CommandFailure("the coordinator's answer to \(method) \(path) could not be read: \(error)")
        }
    }

    func raw(_ method: String, _ path: String, body: Data? = nil, contentType: String = "application/json") async throws -> HTTPResponse {
        var headers = credential.headers.merging(["Accept": "application/json"]) { _, new in new }
        if body != nil { headers["Content-Type"] = contentType }
        let response: HTTPResponse
        do {
            response = try await http.send(HTTPRequest(
                method: method, url: baseURL + path, headers: headers, body: body, timeout: .seconds(600)))
        } catch {
            throw CommandFailure("cannot reach the coordinator at \(baseURL): \(error)")
        }
        try check(response)
        return response
    }

    /// A non-2xx answer becomes a failure with the coordinator's own message;
    /// a refused credential (401, 403) ends the command with status 64, a
    /// configuration error, naming where the token came from.
    func check(_ response: HTTPResponse) throws {
        guard (200..<300).contains(response.status) else {
            let message: String
            if let error = try? WireJSON.decoder().decode(ErrorBody.self, from: response.body) {
                message = (error.error.field.map { "\($0): " } ?? "") + error.error.message
            } else {
                message = String(decoding: response.body.prefix(500), as: UTF8.self)
            }
            if CoordinatorCredential.isRefusal(status: response.status) {
                FileHandle.standardError.write(Data("Error: \(credential.refusal(status: response.status, message: message))\n".utf8))
                throw ExitCode(64)
            }
            throw CommandFailure("\(response.status) \(message)")
        }
    }

    /// Streams a 2xx body to stdout as it arrives; other answers fail with
    /// the coordinator's message.
    func download(_ path: String) async throws {
        let output = FileHandle.standardOutput
        let response: HTTPResponse
        do {
            response = try await http.send(HTTPRequest(
                method: "GET", url: baseURL + path, headers: credential.headers, timeout: .seconds(24 * 3600),
                receiveBody: { output.write($0) }))
        } catch {
            throw CommandFailure("cannot reach the coordinator at \(baseURL): \(error)")
        }
        try check(response)
    }

    /// Prints a JSON answer indented, with sorted keys, for people.
    static func printPretty(_ body: Data) throws {
        let object = try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
        let pretty = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        FileHandle.standardOutput.write(pretty + Data("\n".utf8))
    }

    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = WireJSON.encoder()
        encoder.outputFormatting.insert(.prettyPrinted)
        encoder.outputFormatting.insert(.sortedKeys)
        FileHandle.standardOutput.write(try encoder.encode(value) + Data("\n".utf8))
    }
}

/// A command that failed for a reason the user can act on: printed as one
/// line on stderr, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
