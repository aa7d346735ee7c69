import MathVerifier
import Shared

extension VerifierName {
    /// The verifier a lease's `verifier` field names.
    var verifier: any AnswerVerifier {
        switch self {
        case .math: MathVerifier()
        }
    }
}
