import Foundation
import Shared

/// One token the coordinator accepts, as the tokens file lists it: a name,
/// a role and the SHA-256 of the token, never the token itself.
struct AccessTokenEntry: Equatable, Sendable, Codable {
    var name: String
    var role: AccessRole
    /// The SHA-256 of the token's bytes, 32 bytes.
    var digest: [UInt8]

    enum CodingKeys: String, CodingKey, CaseIterable { case name, role, sha256 }

    init(name: String, role: AccessRole, digest: [UInt8]) {
        self.name = name
        self.role = role
        self.digest = digest
    }

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        role = try c.decode(AccessRole.self, forKey: .role)
        let hex = try c.decode(String.self, forKey: .sha256)
        guard let bytes = [UInt8](hex: hex), bytes.count == 32 else {
            throw DecodingError.dataCorruptedError(
                forKey: .sha256, in: c, debugDescription: "must be 64 hexadecimal digits (a SHA-256), not the token")
        }
        digest = bytes
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(role, forKey: .role)
        try c.encode(digest.lowercaseHex, forKey: .sha256)
    }
}
