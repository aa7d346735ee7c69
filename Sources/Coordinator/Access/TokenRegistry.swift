import Crypto
import Foundation
import Synchronization

/// The tokens the coordinator accepts now. A reload (SIGHUP) swaps the whole
/// list at once, so a request sees either the old list or the new one; a
/// revoked token stops working with the swap.
final class TokenRegistry: Sendable {
    private let entries: Mutex<[AccessTokenEntry]>

    init(_ file: AccessTokenFile) {
        entries = Mutex(file.tokens)
    }

    var count: Int { entries.withLock { $0.count } }

    func replace(with file: AccessTokenFile) {
        entries.withLock { $0 = file.tokens }
    }

    /// The identity of a presented token, or nil. The token is hashed and
    /// the hash compared with every entry's in constant time, so neither the
    /// answer's timing nor its content says how close a guess came.
    func identify(token: String) -> AccessIdentity? {
        let presented = Array(SHA256.hash(data: Data(token.utf8)))
        let entries = self.entries.withLock { $0 }
        var found: AccessTokenEntry?
        for entry in entries where Self.constantTimeEqual(entry.digest, presented) {
            found = entry
        }
        return found.map { AccessIdentity(name: $0.name, role: $0.role) }
    }

    /// Compares every byte whatever the earlier ones were.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices {
            difference |= a[index] ^ b[index]
        }
        return difference == 0
    }
}
