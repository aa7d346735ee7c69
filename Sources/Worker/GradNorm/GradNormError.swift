/// Why a sample has no gradient norm. The lease is then released with this
/// reason, since a made-up value would skew the allocation silently.
enum GradNormError: Error, Equatable, CustomStringConvertible {
    /// logit-proxy: the engine sent no log-probabilities for the sample.
    case noLogprobs
    /// logit-proxy: the engine sent the sampled tokens' log-probabilities but
    /// no alternatives.
    case noTopLogprobs
    /// logit-proxy: the per-token lists do not line up.
    case misalignedLogprobs(tokens: Int, topLists: Int)
    /// url: the lease names no gradient service (a coordinator that predates `gradNormURL`).
    case noServiceURL
    /// url: the worker was set up without an HTTP client for gradient services.
    case noServiceClient
    /// url: no usable answer from the service.
    case service(url: String, reason: String)
    /// exact: only the built-in model can take its own gradient.
    case exactNeedsBuiltinBackend
    /// exact: the lease names no built-in weights (a coordinator that
    /// predates `builtin`, or a run not on the built-in model).
    case noBuiltinWeights
    /// exact: the backend kept no token ids for the sample, or none at all.
    case noResponseTokens
    /// exact: prompt and response are longer than the model can score.
    case sequenceTooLong(tokens: Int, contextLength: Int)
    /// exact: a token the model does not have.
    case tokenOutsideVocabulary

    var description: String {
        switch self {
        case .noLogprobs:
            "the engine returned no log-probabilities for the sample; logit-proxy needs them"
        case .noTopLogprobs:
            "the engine returned no top_logprobs alternatives; logit-proxy needs them "
                + "(vLLM refuses more than its --max-logprobs; lower --top-logprobs or raise that)"
        case .misalignedLogprobs(let tokens, let topLists):
            "the engine returned \(tokens) token log-probabilities but \(topLists) top_logprobs lists"
        case .noServiceURL:
            "the lease has gradNorm url but no gradNormURL; the coordinator must be upgraded"
        case .noServiceClient:
            "this worker has no HTTP client for gradient services"
        case .exactNeedsBuiltinBackend:
            "gradNorm exact needs the built-in model: run the worker with --backend builtin"
        case .noBuiltinWeights:
            "the lease has gradNorm exact but names no built-in weights"
        case .noResponseTokens:
            "the sample has no response tokens to take the gradient of"
        case .sequenceTooLong(let tokens, let contextLength):
            "prompt and response are \(tokens) tokens, more than the model's context length + 1 (\(contextLength + 1))"
        case .tokenOutsideVocabulary:
            "the sample holds a token outside the model's vocabulary"
        case .service(let url, let reason):
            "gradient service \(url): \(reason)"
        }
    }
}
