import Foundation
import Shared

/// Leases for tests, with everything but what a test cares about defaulted.
enum TestLeases {
    static func make(
        id: String = "lease-1",
        prompt: RenderedPrompt = RenderedPrompt(messages: nil, text: "What is 6 times 7?"),
        gold: String = "42",
        firstSampleIndex: Int = 0,
        sampleCount: Int = 4,
        seed: Int = 1234,
        algorithm: TrainingAlgorithm = .raft,
        generation: GenerationParameters = GenerationParameters(maxTokens: 512),
        expiresIn seconds: TimeInterval = 300
    ) -> Lease {
        Lease(
            leaseId: id, runId: 1, iteration: 0, stage: .presample, promptId: 3,
            firstSampleIndex: firstSampleIndex, sampleCount: sampleCount, prompt: prompt, gold: gold,
            generation: generation, model: "test-model", modelVersion: "0", seed: seed,
            expiresAt: Date(timeIntervalSinceNow: seconds), algorithm: algorithm, verifier: .math, gradNorm: .constant)
    }

    /// The chat prompt the default run template renders for `problem`.
    static func chat(_ problem: String) -> RenderedPrompt {
        PromptTemplate.defaultChat.render(problem: problem)
    }

    /// A completion prompt around `problem`.
    static func completion(_ problem: String) -> RenderedPrompt {
        RenderedPrompt(messages: nil, text: "Problem: \(problem)\nSolution: Let's think step by step.")
    }
}
