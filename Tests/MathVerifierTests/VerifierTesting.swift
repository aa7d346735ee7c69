@testable import MathVerifier

/// Helpers for the verifier's tests.
enum VerifierTesting {
    static let verifier = MathVerifier()

    /// Whether a response that boxes `answer` is judged correct against `gold`.
    static func boxedIsCorrect(_ answer: String, gold: String) -> Bool {
        verifier.verify(response: "Putting it together, the answer is $\\boxed{\(answer)}$.", gold: gold).correct
    }

    /// What `MathVerifier` extracts from `response`.
    static func extracted(_ response: String) -> String? {
        verifier.verify(response: response, gold: "0").extracted
    }
}
