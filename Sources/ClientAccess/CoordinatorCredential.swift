import Foundation

/// The bearer token a worker or an operator command presents to the
/// coordinator, and where it came from: `--token-file` first (or the worker
/// config's `tokenFile`), then the `GVM_TOKEN` environment variable. A
/// token never comes from the command line itself, where `ps` would show
/// it. No token at all is valid: a coordinator without tokens takes none.
public struct CoordinatorCredential: Equatable, Sendable {
    public enum Source: Equatable, Sendable {
        case file(String)
        case environment
        case none
    }

    public var source: Source
    /// The token; nil with `.none`.
    var token: String?

    public static let environmentVariable = "GVM_TOKEN"

    public static let none = CoordinatorCredential(source: .none, token: nil)

    /// - Parameter tokenFile: `--token-file`, which wins over the environment.
    public static func resolve(tokenFile: String?, environment: [String: String]) throws(CredentialError) -> CoordinatorCredential {
        if let tokenFile, !tokenFile.isEmpty {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: tokenFile))
            } catch {
                throw CredentialError("--token-file \(tokenFile): cannot read it (\(error.localizedDescription))")
            }
            let token = try checked(String(decoding: data, as: UTF8.self), from: "--token-file \(tokenFile)")
            return CoordinatorCredential(source: .file(tokenFile), token: token)
        }
        if let value = environment[environmentVariable], !value.isEmpty {
            return CoordinatorCredential(source: .environment, token: try checked(value, from: environmentVariable))
        }
        return .none
    }

    /// One line of visible ASCII, as a header carries it; a trailing
    /// newline (as `echo` writes files) is dropped.
    private static func checked(_ text: String, from source: String) throws(CredentialError) -> String {
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw CredentialError("\(source) holds no token") }
        guard token.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
            throw CredentialError("\(source): a token is one line of printable ASCII without spaces")
        }
        return token
    }

    /// The headers to add to every request to the coordinator.
    public var headers: [String: String] {
        token.map { ["Authorization": "Bearer \($0)"] } ?? [:]
    }

    /// Where the token came from, or where none was found, for the message
    /// of a refused credential.
    public var whereLooked: String {
        switch source {
        case .file(let path): "the token came from --token-file \(path)"
        case .environment: "the token came from \(Self.environmentVariable)"
        case .none: "no token was sent: none given with --token-file, and \(Self.environmentVariable) is not set"
        }
    }

    /// Why a 401 or 403 stops the program (exit status 64), for people.
    public func refusal(status: Int, message: String) -> String {
        let meaning = status == 401
            ? "the coordinator did not accept the credential" : "the coordinator refused this request"
        return "\(meaning) (HTTP \(status): \(message)); \(whereLooked)"
    }

    /// 401 and 403: a configuration problem that retrying cannot fix.
    public static func isRefusal(status: Int) -> Bool {
        status == 401 || status == 403
    }
}

public struct CredentialError: Error, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
