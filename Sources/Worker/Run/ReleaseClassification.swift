import CurlHTTP
import Shared

/// The kind a worker names when it gives a lease back after `error`, so
/// that the coordinator's retry budget counts what says something about the
/// work, and not what says something about this worker.
enum ReleaseClassification {
    static func kind(for error: any Error) -> ReleaseKind {
        switch error {
        case let error as BuiltinBackendError:
            switch error {
            case .weightsUnavailable, .weightsChecksumMismatch, .invalidWeights: .versionUnavailable
            case .noPrompt, .chatPrompt, .unknownCharacter, .promptTooLong: .invalidPrompt
            case .notBuiltinLease, .unsupportedStop, .unsupportedExtra, .sampling: .engineError
            }
        case let error as OpenAIBackendError:
            if case .noPrompt = error { .invalidPrompt } else { .engineError }
        case let error as HTTPClientError:
            if case .timedOut = error { .timeout } else { .engineError }
        case let error as GradNormError:
            if case .sequenceTooLong = error { .invalidPrompt } else { .engineError }
        case is LeaseProcessingError:
            .engineError
        default:
            .other
        }
    }
}
