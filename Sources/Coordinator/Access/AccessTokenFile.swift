import Foundation
import Shared

/// The tokens file: `{"tokens": [{"name", "role", "sha256"}]}`. It holds
/// hashes only, so it may be read by whoever runs the coordinator; the
/// tokens themselves stay with the workers and operators that present them.
/// Adding or revoking a token is an edit of this file and a reload (SIGHUP).
struct AccessTokenFile: Equatable, Sendable, Codable {
    var tokens: [AccessTokenEntry]

    enum CodingKeys: String, CodingKey, CaseIterable { case tokens }

    init(tokens: [AccessTokenEntry]) {
        self.tokens = tokens
    }

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tokens = try c.decode([AccessTokenEntry].self, forKey: .tokens)
    }

    /// Names are identities (leases belong to them) and appear in logs, so
    /// they are short, printable and unique; two entries with one hash
    /// would make a token's identity ambiguous.
    func validate() throws(FieldError) {
        var names = Set<String>()
        var digests = Set<[UInt8]>()
        for (index, token) in tokens.enumerated() {
            let field = "tokens[\(index)]"
            guard (1...64).contains(token.name.utf8.count),
                  token.name.unicodeScalars.allSatisfy(Self.nameCharacters.contains)
            else {
                throw FieldError(field: field + ".name", problem: "must be 1 to 64 of A-Z a-z 0-9 . _ @ -, got \(token.name.debugDescription)")
            }
            guard names.insert(token.name).inserted else {
                throw FieldError(field: field + ".name", problem: "\(token.name) is listed twice")
            }
            guard digests.insert(token.digest).inserted else {
                throw FieldError(field: field + ".sha256", problem: "the same hash as an earlier entry")
            }
        }
    }

    /// The file with `entry` added; refused when its name or hash is taken
    /// or its name is not a valid one.
    func adding(_ entry: AccessTokenEntry) throws(FieldError) -> AccessTokenFile {
        let added = AccessTokenFile(tokens: tokens + [entry])
        try added.validate()
        return added
    }

    /// The file without the entry named `name`; refused when there is none.
    func removing(name: String) throws(FieldError) -> AccessTokenFile {
        guard tokens.contains(where: { $0.name == name }) else {
            throw FieldError(field: "name", problem: "no token is named \(name)")
        }
        return AccessTokenFile(tokens: tokens.filter { $0.name != name })
    }

    static let nameCharacters = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@-")

    /// Reads and checks a tokens file; every problem names the file and the field.
    static func read(path: String) throws(FieldError) -> AccessTokenFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw FieldError(field: path, problem: "cannot read it (\(error.localizedDescription))")
        }
        do throws(FieldError) {
            let file = try JSONInput.decode(AccessTokenFile.self, from: data)
            try file.validate()
            return file
        } catch {
            throw FieldError(field: path, problem: error.description)
        }
    }
}
