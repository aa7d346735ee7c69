import Synchronization

/// What an `OpenAIBackend` has learnt about its server, shared by all leases.
final class OpenAIServerTraits: Sendable {
    private let oneChoiceOnly = Atomic<Bool>(false)

    init() {}

    /// The server refuses `n > 1` (llama.cpp: "Only one completion choice
    /// is allowed"), so every request asks for one choice.
    var acceptsOneChoiceOnly: Bool { oneChoiceOnly.load(ordering: .relaxed) }

    /// Records that the server refuses `n > 1`; true the first time only.
    func markOneChoiceOnly() -> Bool {
        !oneChoiceOnly.exchange(true, ordering: .relaxed)
    }
}
