import Crypto
import Foundation
import Policy
import Shared

extension BuiltinModel {
    /// The model in a downloaded weights file, after checking that the bytes
    /// are the ones the lease names and hold a model of the built-in
    /// vocabulary. Hashes, decodes and allocates: run it on the
    /// `ComputeThread`.
    static func load(_ bytes: Data, expectedSHA256: String, url: String) throws(BuiltinBackendError) -> BuiltinModel {
        let actual = sha256Hex(bytes)
        guard actual == expectedSHA256.lowercased() else {
            throw .weightsChecksumMismatch(url: url, expected: expectedSHA256, actual: actual)
        }
        let contents: WeightsFile.Contents
        do {
            contents = try WeightsFile.decode([UInt8](bytes))
        } catch {
            throw .invalidWeights(url: url, reason: error.description)
        }
        // The prompt encoding and the decoded text assume this vocabulary.
        guard contents.config.vocabSize == Vocabulary.size else {
            throw .invalidWeights(
                url: url,
                reason: "the model has \(contents.config.vocabSize) tokens, the built-in vocabulary \(Vocabulary.size)")
        }
        do {
            return try BuiltinModel(contents: contents, sha256: actual)
        } catch {
            throw .invalidWeights(url: url, reason: error.description)
        }
    }

    /// Lower-case hex, as leases name weights.
    static func sha256Hex(_ bytes: Data) -> String {
        SHA256.hash(data: bytes).lowercaseHex
    }
}
