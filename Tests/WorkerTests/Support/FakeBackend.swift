import Shared
@testable import Worker

/// A backend that runs the given closure.
struct FakeBackend: GenerationBackend {
    let body: @Sendable (Lease) async throws -> [Generation]

    func generate(_ lease: Lease) async throws -> [Generation] {
        try await body(lease)
    }

    /// Every sample answers `\boxed{gold}` after `delay`.
    static func correct(after delay: Duration = .zero) -> FakeBackend {
        FakeBackend { lease in
            if delay > .zero { try await Task.sleep(for: delay) }
            return (0..<lease.sampleCount).map { _ in
                Generation(text: "So the answer is \\boxed{\(lease.gold)}.", completionTokens: 8, finishReason: .stop)
            }
        }
    }
}

struct EngineDown: Error, CustomStringConvertible {
    var description: String { "test engine is down" }
}
