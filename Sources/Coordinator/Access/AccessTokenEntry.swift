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
        guard let bytes = Self.bytes(hex: hex), bytes.count == 32 else {
            throw DecodingError.dataCorruptedError(
                forKey: .sha256, in: c, debugDescription: "must be 64 hexadecimal digits (a SHA-256), not the token")
        }
        digest = bytes
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(role, forKey: .role)
        try c.encode(Self.hex(digest), forKey: .sha256)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
