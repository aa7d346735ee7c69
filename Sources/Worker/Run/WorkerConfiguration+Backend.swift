import CurlHTTP
import Logging
import Policy

extension WorkerConfiguration {
    /// The backend the configuration names, and for the builtin backend its
    /// models, which the exact gradient norm shares. `client` carries the
    /// inference requests, or the builtin backend's weights downloads.
    func makeBackend(client: CurlHTTPClient, logger: Logger) -> (backend: any GenerationBackend, builtinModels: BuiltinModelCache?) {
        switch backend {
        case .openAI(let endpoint, let model, let apiKey):
            let backend = OpenAIBackend(
                endpoint: endpoint, model: model, apiKey: apiKey,
                requestTimeout: requestTimeout, topLogprobs: topLogprobs, client: client, logger: logger)
            return (backend, nil)
        case .builtin:
            let models = BuiltinModelCache(
                source: BuiltinWeightsSource(baseURL: coordinator, client: client, timeout: requestTimeout),
                compute: ComputeThread())
            return (BuiltinBackend(models: models), models)
        }
    }
}
