import Crypto
import Foundation
import Shared

/// The SHA-256 of a result's canonical encoding (sorted keys, as decoded),
/// so that a repeat is recognised by what it says, not by its bytes: the
/// same result with other whitespace or key order is the same result.
enum ResultDigest {
    static func of(_ result: LeaseResult) throws -> String {
        let encoder = WireJSON.encoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return SHA256.hash(data: try encoder.encode(result)).lowercaseHex
    }
}
