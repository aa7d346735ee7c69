import Crypto
import Foundation
import Shared

/// A dataset's identity: SHA-256 of the body's bytes exactly as sent, fed in
/// any number of pieces. Re-importing the same file must give the same hash.
struct DatasetContentHash {
    private var hasher = SHA256()

    mutating func update(_ bytes: some DataProtocol) {
        hasher.update(data: bytes)
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    /// "sha256:" and 64 hex digits.
    func finish() -> String {
        "sha256:" + hasher.finalize().lowercaseHex
    }
}
