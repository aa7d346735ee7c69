import Foundation
import Policy
import Shared
import Testing
@testable import Worker

/// Downloading, checking and caching the built-in model's weights.
@Suite struct BuiltinWeightsTests {
    @Test func weightsAreDownloadedOnceForConcurrentLeasesOfOneVersion() async throws {
        // The delay keeps the first download in flight while the second lease asks.
        try await BuiltinFixture.with(delay: .milliseconds(300)) { fixture in
            async let first = fixture.backend.generate(fixture.lease(id: "a", seed: 1))
            async let second = fixture.backend.generate(fixture.lease(id: "b", seed: 2))
            let (a, b) = try await (first, second)
            #expect(a.count == 4 && b.count == 4)
            _ = try await fixture.backend.generate(fixture.lease(id: "c", seed: 3))
            #expect(fixture.server.requests(for: BuiltinFixture.weightsPath) == 1)
            #expect(await fixture.models.heldVersions == [fixture.sha256])
        }
    }

    /// At most `capacity` versions are held; the least recently used goes.
    @Test func leastRecentlyUsedVersionIsEvicted() async throws {
        let versions = try (1...3).map { try BuiltinFixture.weights(seed: UInt64($0)) }
        let paths = (1...3).map { "/v1/runs/1/weights/\($0)" }
        try await BuiltinFixture.with(files: Dictionary(uniqueKeysWithValues: zip(paths, versions))) { fixture in
            func lease(_ i: Int) -> Lease {
                fixture.lease(sampleCount: 1, maxTokens: 4, path: paths[i], sha256: BuiltinFixture.sha256(versions[i]))
            }
            for i in [0, 1, 0, 2] { _ = try await fixture.backend.generate(lease(i)) }
            #expect(await fixture.models.heldVersions == [0, 2].map { BuiltinFixture.sha256(versions[$0]) })
            #expect(paths.map { fixture.server.requests(for: $0) } == [1, 1, 1])
            // Version 1 was evicted, so it is downloaded again.
            _ = try await fixture.backend.generate(lease(1))
            #expect(fixture.server.requests(for: paths[1]) == 2)
        }
    }

    @Test func checksumMismatchFailsTheLease() async throws {
        try await BuiltinFixture.with { fixture in
            let wrong = String(repeating: "ab", count: 32)
            let lease = fixture.lease(sha256: wrong)
            let url = fixture.server.baseURL + BuiltinFixture.weightsPath
            let error = await #expect(throws: BuiltinBackendError.weightsChecksumMismatch(
                url: url, expected: wrong, actual: fixture.sha256)) {
                try await fixture.backend.generate(lease)
            }
            #expect(error?.description.contains("SHA-256") == true)
            // A failed download is not kept: the next lease tries again.
            _ = try? await fixture.backend.generate(lease)
            #expect(fixture.server.requests(for: BuiltinFixture.weightsPath) == 2)
            #expect(await fixture.models.heldVersions.isEmpty)
        }
    }

    /// A truncated body whose checksum matches (the coordinator served a cut
    /// file) fails in decoding; one that does not match fails the checksum.
    @Test func truncatedBodyFailsTheLease() async throws {
        let full = try BuiltinFixture.weights()
        let truncated = Array(full.dropLast(100))
        try await BuiltinFixture.with(files: [BuiltinFixture.weightsPath: truncated]) { fixture in
            let cut = await #expect(throws: BuiltinBackendError.self) {
                try await fixture.backend.generate(fixture.lease(sha256: BuiltinFixture.sha256(truncated)))
            }
            guard case .invalidWeights(_, let reason) = cut else {
                Issue.record("expected invalidWeights, got \(String(describing: cut))")
                return
            }
            #expect(reason.contains("truncated"), "\(reason)")
            let mismatch = await #expect(throws: BuiltinBackendError.self) {
                try await fixture.backend.generate(fixture.lease(sha256: BuiltinFixture.sha256(full)))
            }
            guard case .weightsChecksumMismatch = mismatch else {
                Issue.record("expected weightsChecksumMismatch, got \(String(describing: mismatch))")
                return
            }
        }
    }

    @Test func missingWeightsFailTheLeaseWithTheStatus() async throws {
        try await BuiltinFixture.with { fixture in
            let error = await #expect(throws: BuiltinBackendError.self) {
                try await fixture.backend.generate(fixture.lease(path: "/v1/runs/1/weights/9"))
            }
            guard case .weightsUnavailable(let url, let reason) = error else {
                Issue.record("expected weightsUnavailable, got \(String(describing: error))")
                return
            }
            #expect(url.hasSuffix("/v1/runs/1/weights/9"))
            #expect(reason.contains("HTTP 404"), "\(reason)")
        }
    }

    /// A model over another vocabulary would be read with the wrong characters.
    @Test func weightsOfAnotherVocabularyAreRefused() async throws {
        var config = BuiltinFixture.config
        config.vocabSize = 50
        let bytes = try BuiltinFixture.weights(config: config)
        try await BuiltinFixture.with(files: [BuiltinFixture.weightsPath: bytes]) { fixture in
            let error = await #expect(throws: BuiltinBackendError.self) {
                try await fixture.backend.generate(fixture.lease(sha256: BuiltinFixture.sha256(bytes)))
            }
            #expect(error?.description.contains("50 tokens") == true, "\(String(describing: error))")
        }
    }
}
